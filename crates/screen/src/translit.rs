//! Script-to-Latin transliteration tables for the scripts that restricted-party
//! lists actually carry (Cyrillic, Greek, Arabic/Persian, Hebrew, Armenian,
//! Georgian). Each table gives one canonical romanisation; the spelling
//! variants between romanisation schemes (`kh`/`h`, `y`/`i`/`j`, ...) are
//! absorbed later by the loose and phonetic keys in [`crate::keys`].

/// The script a character was transliterated from, when it matters for
/// matching: abjads (Arabic, Hebrew) write no short vowels, so their tokens are
/// compared on consonant skeletons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Latin,
    /// Cyrillic, Greek, Armenian, Georgian: alphabets with vowels.
    OtherAlphabet,
    /// Arabic, Persian, Hebrew: consonant-only writing.
    Abjad,
}

/// The Latin spelling of one lower-case character, if a table covers it.
///
/// Composed characters whose decomposition would lose meaning (Cyrillic `й`
/// is `и` + breve) are listed here so they are looked up before NFKD.
pub fn transliterate(c: char) -> Option<(&'static str, Script)> {
    if let Some(s) = cyrillic(c)
        .or_else(|| greek(c))
        .or_else(|| armenian(c))
        .or_else(|| georgian(c))
    {
        return Some((s, Script::OtherAlphabet));
    }
    arabic(c).or_else(|| hebrew(c)).map(|s| (s, Script::Abjad))
}

fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' => "i",
        'й' => "y",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'є' => "ye",
        'ї' => "yi",
        'ґ' => "g",
        'ђ' => "dj",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dzh",
        'ѓ' => "gj",
        'ќ' => "kj",
        'ѕ' => "dz",
        _ => return None,
    })
}

fn greek(c: char) -> Option<&'static str> {
    Some(match c {
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' => "i",
        'θ' => "th",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' | 'ώ' => "o",
        _ => return None,
    })
}

fn arabic(c: char) -> Option<&'static str> {
    Some(match c {
        'ا' | 'أ' | 'آ' | 'إ' | 'ٱ' | 'ى' | 'ة' => "a",
        'ب' => "b",
        'پ' => "p",
        'ت' => "t",
        'ث' => "th",
        'ج' => "j",
        'چ' => "ch",
        'ح' | 'ه' | 'ھ' => "h",
        'خ' => "kh",
        'د' => "d",
        'ذ' => "dh",
        'ر' => "r",
        'ز' => "z",
        'ژ' => "zh",
        'س' => "s",
        'ش' => "sh",
        'ص' => "s",
        'ض' => "d",
        'ط' => "t",
        'ظ' => "z",
        // Ayn and hamza carry no Latin letter: lists write them as an
        // apostrophe or not at all ("'ABBAS", "SA'D"), and apostrophes are dropped.
        'ع' | 'ء' => "",
        'غ' => "gh",
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'گ' => "g",
        'ل' => "l",
        'م' => "m",
        'ن' => "n",
        'و' | 'ؤ' => "w",
        'ي' | 'ی' | 'ئ' => "y",
        'ـ' => "",
        _ => return None,
    })
}

fn hebrew(c: char) -> Option<&'static str> {
    Some(match c {
        'א' | 'ע' => "",
        'ב' => "b",
        'ג' => "g",
        'ד' => "d",
        'ה' => "h",
        'ו' => "v",
        'ז' => "z",
        'ח' => "kh",
        'ט' | 'ת' => "t",
        'י' => "y",
        'כ' | 'ך' | 'ק' => "k",
        'ל' => "l",
        'מ' | 'ם' => "m",
        'נ' | 'ן' => "n",
        'ס' => "s",
        'פ' | 'ף' => "p",
        'צ' | 'ץ' => "ts",
        'ר' => "r",
        'ש' => "sh",
        _ => return None,
    })
}

fn armenian(c: char) -> Option<&'static str> {
    Some(match c {
        'ա' => "a",
        'բ' => "b",
        'գ' => "g",
        'դ' => "d",
        'ե' | 'է' => "e",
        'զ' => "z",
        'ը' => "y",
        'թ' | 'տ' => "t",
        'ժ' => "zh",
        'ի' => "i",
        'լ' => "l",
        'խ' => "kh",
        'ծ' | 'ց' => "ts",
        'կ' | 'ք' => "k",
        'հ' => "h",
        'ձ' => "dz",
        'ղ' => "gh",
        'ճ' | 'չ' => "ch",
        'մ' => "m",
        'յ' => "y",
        'ն' => "n",
        'շ' => "sh",
        'ո' | 'օ' => "o",
        'պ' | 'փ' => "p",
        'ջ' => "j",
        'ռ' | 'ր' => "r",
        'ս' => "s",
        'վ' | 'ւ' => "v",
        'ֆ' => "f",
        'և' => "ev",
        _ => return None,
    })
}

fn georgian(c: char) -> Option<&'static str> {
    Some(match c {
        'ა' => "a",
        'ბ' => "b",
        'გ' => "g",
        'დ' => "d",
        'ე' => "e",
        'ვ' => "v",
        'ზ' => "z",
        'თ' | 'ტ' => "t",
        'ი' => "i",
        'კ' | 'ქ' => "k",
        'ლ' => "l",
        'მ' => "m",
        'ნ' => "n",
        'ო' => "o",
        'პ' | 'ფ' => "p",
        'ჟ' => "zh",
        'რ' => "r",
        'ს' => "s",
        'უ' => "u",
        'ღ' => "gh",
        'ყ' => "q",
        'შ' => "sh",
        'ჩ' | 'ჭ' => "ch",
        'ც' | 'წ' => "ts",
        'ძ' => "dz",
        'ხ' => "kh",
        'ჯ' => "j",
        'ჰ' => "h",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latin(s: &str) -> String {
        s.chars()
            .filter_map(transliterate)
            .map(|(l, _)| l)
            .collect()
    }

    #[test]
    fn cyrillic_names_follow_bgn_style() {
        assert_eq!(latin("умаров"), "umarov");
        assert_eq!(latin("хаматович"), "khamatovich");
        assert_eq!(latin("юрий"), "yuriy");
    }

    #[test]
    fn arabic_is_consonantal() {
        assert_eq!(latin("محمد"), "mhmd");
        assert_eq!(transliterate('م').map(|(_, s)| s), Some(Script::Abjad));
    }

    #[test]
    fn greek_armenian_georgian_hebrew_are_covered() {
        assert_eq!(latin("παπαδοπολος"), "papadopolos");
        assert_eq!(latin("պետրոսյան"), "petrosyan");
        assert_eq!(latin("გიორგი"), "giorgi");
        assert_eq!(latin("כהן"), "khn");
    }
}
