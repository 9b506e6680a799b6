//! Names as matching compares them: "José" and "jose", "O'Brien" and "OBRIEN", and a friend
//! saved as "Bob" with a voter file's "Robert". Used to match a volunteer's contacts against a
//! target list (Friend-to-Friend), on the server and, for the preview, in the browser.

/// Lowercase letters and digits only, accents taken off: what two spellings of one name share.
pub fn fold_name(name: &str) -> String {
    name.chars().flat_map(char::to_lowercase).filter_map(base_letter).collect()
}

/// The letter under an accent, or None for what is not a letter or digit (spaces, hyphens,
/// apostrophes, dots). Covers Latin-1 and Latin Extended-A, where US names' accents are.
fn base_letter(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c);
    }
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ß' => 's',
        'ţ' | 'ť' | 'ŧ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'æ' => 'a',
        'œ' => 'o',
        _ => return None,
    };
    Some(base)
}

/// Common English first-name nicknames and the given names they stand for, written for this
/// project from common usage. Folded spellings; a nickname may stand for several names.
pub const NICKNAMES: &[(&str, &str)] = &[
    ("abby", "abigail"),
    ("abe", "abraham"),
    ("al", "albert"),
    ("al", "alan"),
    ("al", "alfred"),
    ("alex", "alexander"),
    ("alex", "alexandra"),
    ("ali", "alison"),
    ("andy", "andrew"),
    ("drew", "andrew"),
    ("angie", "angela"),
    ("annie", "ann"),
    ("annie", "anne"),
    ("tony", "anthony"),
    ("art", "arthur"),
    ("barb", "barbara"),
    ("barbie", "barbara"),
    ("ben", "benjamin"),
    ("benny", "benjamin"),
    ("bernie", "bernard"),
    ("bert", "albert"),
    ("bert", "herbert"),
    ("beth", "elizabeth"),
    ("betsy", "elizabeth"),
    ("betty", "elizabeth"),
    ("bill", "william"),
    ("billy", "william"),
    ("will", "william"),
    ("willie", "william"),
    ("liam", "william"),
    ("bob", "robert"),
    ("bobby", "robert"),
    ("rob", "robert"),
    ("robbie", "robert"),
    ("bert", "robert"),
    ("brad", "bradley"),
    ("cal", "calvin"),
    ("cathy", "catherine"),
    ("cathy", "cathleen"),
    ("kate", "catherine"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("kathy", "katherine"),
    ("kat", "katherine"),
    ("kitty", "katherine"),
    ("charlie", "charles"),
    ("chuck", "charles"),
    ("chas", "charles"),
    ("chris", "christopher"),
    ("chris", "christine"),
    ("chris", "christina"),
    ("kit", "christopher"),
    ("cindy", "cynthia"),
    ("cindy", "lucinda"),
    ("cliff", "clifford"),
    ("connie", "constance"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("dave", "david"),
    ("davy", "david"),
    ("deb", "deborah"),
    ("debbie", "deborah"),
    ("debby", "deborah"),
    ("dick", "richard"),
    ("rich", "richard"),
    ("rick", "richard"),
    ("ricky", "richard"),
    ("don", "donald"),
    ("donny", "donald"),
    ("dot", "dorothy"),
    ("dottie", "dorothy"),
    ("doug", "douglas"),
    ("ed", "edward"),
    ("eddie", "edward"),
    ("ted", "edward"),
    ("ted", "theodore"),
    ("teddy", "theodore"),
    ("ed", "edwin"),
    ("ed", "edmund"),
    ("ned", "edward"),
    ("ellie", "eleanor"),
    ("ellie", "elizabeth"),
    ("liz", "elizabeth"),
    ("lizzie", "elizabeth"),
    ("eliza", "elizabeth"),
    ("libby", "elizabeth"),
    ("elsie", "elizabeth"),
    ("emmy", "emily"),
    ("frank", "francis"),
    ("frank", "franklin"),
    ("fran", "frances"),
    ("frannie", "frances"),
    ("fred", "frederick"),
    ("freddie", "frederick"),
    ("gabe", "gabriel"),
    ("gene", "eugene"),
    ("geoff", "geoffrey"),
    ("jeff", "jeffrey"),
    ("jeff", "geoffrey"),
    ("gerry", "gerald"),
    ("jerry", "gerald"),
    ("jerry", "jerome"),
    ("greg", "gregory"),
    ("hal", "harold"),
    ("harry", "harold"),
    ("harry", "henry"),
    ("hank", "henry"),
    ("henny", "henrietta"),
    ("herb", "herbert"),
    ("jack", "john"),
    ("johnny", "john"),
    ("jon", "jonathan"),
    ("jake", "jacob"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("jamie", "james"),
    ("jan", "janet"),
    ("jen", "jennifer"),
    ("jenny", "jennifer"),
    ("jess", "jessica"),
    ("jessie", "jessica"),
    ("joe", "joseph"),
    ("joey", "joseph"),
    ("jo", "josephine"),
    ("josie", "josephine"),
    ("judy", "judith"),
    ("julie", "julia"),
    ("ken", "kenneth"),
    ("kenny", "kenneth"),
    ("kim", "kimberly"),
    ("larry", "lawrence"),
    ("larry", "laurence"),
    ("len", "leonard"),
    ("lenny", "leonard"),
    ("leo", "leonard"),
    ("lou", "louis"),
    ("lou", "louise"),
    ("lucy", "lucille"),
    ("maggie", "margaret"),
    ("meg", "margaret"),
    ("peggy", "margaret"),
    ("marge", "margaret"),
    ("margie", "margaret"),
    ("greta", "margaret"),
    ("mandy", "amanda"),
    ("manny", "manuel"),
    ("matt", "matthew"),
    ("matty", "matthew"),
    ("max", "maxwell"),
    ("max", "maximilian"),
    ("mel", "melvin"),
    ("mel", "melissa"),
    ("mick", "michael"),
    ("mike", "michael"),
    ("mikey", "michael"),
    ("mitch", "mitchell"),
    ("molly", "mary"),
    ("polly", "mary"),
    ("mamie", "mary"),
    ("nancy", "ann"),
    ("nate", "nathan"),
    ("nate", "nathaniel"),
    ("nat", "nathaniel"),
    ("nick", "nicholas"),
    ("nicky", "nicholas"),
    ("nikki", "nicole"),
    ("pam", "pamela"),
    ("pat", "patrick"),
    ("pat", "patricia"),
    ("patty", "patricia"),
    ("trish", "patricia"),
    ("tricia", "patricia"),
    ("paddy", "patrick"),
    ("pete", "peter"),
    ("phil", "philip"),
    ("phil", "phillip"),
    ("ray", "raymond"),
    ("reggie", "reginald"),
    ("ron", "ronald"),
    ("ronnie", "ronald"),
    ("rosie", "rose"),
    ("rosie", "rosemary"),
    ("russ", "russell"),
    ("sam", "samuel"),
    ("sam", "samantha"),
    ("sammy", "samuel"),
    ("sandy", "sandra"),
    ("sandy", "alexandra"),
    ("sally", "sarah"),
    ("sadie", "sarah"),
    ("steve", "steven"),
    ("steve", "stephen"),
    ("stevie", "stephen"),
    ("stu", "stuart"),
    ("sue", "susan"),
    ("susie", "susan"),
    ("suzy", "susan"),
    ("tammy", "tamara"),
    ("terry", "terrence"),
    ("terry", "theresa"),
    ("tess", "theresa"),
    ("tom", "thomas"),
    ("tommy", "thomas"),
    ("tim", "timothy"),
    ("timmy", "timothy"),
    ("tina", "christina"),
    ("trudy", "gertrude"),
    ("val", "valerie"),
    ("vic", "victor"),
    ("vicky", "victoria"),
    ("vince", "vincent"),
    ("walt", "walter"),
    ("wally", "walter"),
    ("wes", "wesley"),
    ("zach", "zachary"),
    ("zack", "zachary"),
    ("becky", "rebecca"),
    ("becca", "rebecca"),
    ("bella", "isabella"),
    ("izzy", "isabel"),
    ("gina", "regina"),
    ("gigi", "georgina"),
    ("georgie", "george"),
    ("jojo", "joanna"),
    ("dee", "deanna"),
    ("ginny", "virginia"),
    ("ginger", "virginia"),
    ("hattie", "harriet"),
    ("lettie", "letitia"),
    ("millie", "mildred"),
    ("nellie", "helen"),
    ("ollie", "oliver"),
    ("percy", "percival"),
    ("ozzie", "oswald"),
    ("sid", "sidney"),
];

/// Every folded form that stands for this first name: itself, the names it is short for, and
/// for a given name its nicknames. Sorted, without repeats.
pub fn first_name_keys(first_name: &str) -> Vec<String> {
    let folded = fold_name(first_name);
    let mut keys = vec![folded.clone()];
    for (nick, formal) in NICKNAMES {
        if *nick == folded {
            keys.push(formal.to_string());
        }
    }
    // A given name's own nicknames, and the other names those stand for are left out: "al"
    // is Albert's and Alfred's, but Albert is not Alfred.
    for (nick, formal) in NICKNAMES {
        if *formal == folded {
            keys.push(nick.to_string());
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Whether two first names may be one person's: the same once folded, or one a nickname of
/// the other, or both nicknames of one name.
pub fn same_first_name(a: &str, b: &str) -> bool {
    let (a, b) = (fold_name(a), fold_name(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || {
        let formal_a = formal_names(&a);
        let formal_b = formal_names(&b);
        formal_a.iter().any(|f| f == &b || formal_b.contains(f)) || formal_b.iter().any(|f| f == &a)
    }
}

/// The given names a (folded) name may be short for, itself included.
fn formal_names(folded: &str) -> Vec<&str> {
    let mut names: Vec<&str> =
        NICKNAMES.iter().filter(|(nick, _)| *nick == folded).map(|(_, formal)| *formal).collect();
    names.push(folded);
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_drops_case_accents_and_punctuation() {
        assert_eq!(fold_name("José"), "jose");
        assert_eq!(fold_name("O'Brien"), "obrien");
        assert_eq!(fold_name("  Mary-Kate "), "marykate");
        assert_eq!(fold_name("MÜLLER"), "muller");
        assert_eq!(fold_name("Łukasz"), "lukasz");
        assert_eq!(fold_name("St. John"), "stjohn");
    }

    #[test]
    fn nicknames_match_their_names_both_ways() {
        assert!(same_first_name("Bob", "Robert"));
        assert!(same_first_name("ROBERT", "bobby"));
        assert!(same_first_name("Liz", "Elizabeth"));
        assert!(same_first_name("Liz", "Beth"), "both short for Elizabeth");
        assert!(same_first_name("Bill", "William"));
        assert!(same_first_name("Peggy", "Margaret"));
        assert!(same_first_name("josé", "Jose"));
        assert!(!same_first_name("Albert", "Alfred"), "Al is short for both, but they are two names");
        assert!(!same_first_name("Bob", "William"));
        assert!(!same_first_name("", ""));
    }

    #[test]
    fn keys_hold_the_name_and_its_other_forms() {
        let keys = first_name_keys("Bob");
        assert!(keys.contains(&"bob".to_string()) && keys.contains(&"robert".to_string()), "{keys:?}");
        let keys = first_name_keys("Robert");
        assert!(keys.contains(&"bob".to_string()) && keys.contains(&"rob".to_string()), "{keys:?}");
    }

    #[test]
    fn the_table_is_folded_and_has_no_repeats() {
        let mut seen = std::collections::HashSet::new();
        for (nick, formal) in NICKNAMES {
            assert_eq!(fold_name(nick), *nick);
            assert_eq!(fold_name(formal), *formal);
            assert!(seen.insert((nick, formal)), "{nick} → {formal} twice");
        }
        assert!(NICKNAMES.len() >= 150, "{}", NICKNAMES.len());
    }

    proptest! {
        #[test]
        fn case_and_accents_never_change_the_answer(name in "[a-z]{1,10}") {
            let shouted = name.to_uppercase();
            prop_assert!(same_first_name(&name, &shouted));
            prop_assert_eq!(fold_name(&name), fold_name(&format!(" {shouted}.")));
        }
    }
}
