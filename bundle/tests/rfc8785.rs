//! The canonical JSON that signatures cover (spec protocol.md §5) is RFC 8785's: checked here
//! against the RFC's own examples (§3.2.2 serialisation of primitives and strings, §3.2.3
//! property sorting by UTF-16 code units), through the same call `bundle::signing::message` uses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canon_json::CanonJsonSerialize;
use serde_json::Value;

fn canonical(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap();
    String::from_utf8(v.to_canon_json_vec().unwrap()).unwrap()
}

#[test]
fn primitives_and_string_escapes_follow_rfc_8785() {
    let input = r#"{
      "numbers": [1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"#;
    assert_eq!(
        canonical(input),
        r#"{"literals":[null,true,false],"numbers":[1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
    );
}

#[test]
fn members_sort_by_utf16_code_units_and_non_ascii_is_written_as_is() {
    // U+1F602 sorts by its surrogates (0xD83D...) before U+FB33, unlike a sort by code point.
    let input = r#"{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\u000a": "Newline",
      "1": "One",
      "\u0080": "Control\u007f",
      "\ud83d\ude02": "Smiley",
      "\u00f6": "Latin Small Letter O With Diaeresis",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "</script>": "Browser Challenge"
    }"#;
    let want = concat!(
        r#"{"\n":"Newline","\r":"Carriage Return","1":"One","</script>":"Browser Challenge","#,
        "\"\u{80}\":\"Control\u{7f}\",",
        "\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",",
        "\"\u{20ac}\":\"Euro Sign\",",
        "\"\u{1f602}\":\"Smiley\",",
        "\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
    );
    assert_eq!(canonical(input), want);
}

#[test]
fn nesting_and_whitespace() {
    assert_eq!(
        canonical("{ \"b\" : [ 1 , { \"d\" : {}, \"c\" : [] } ], \"a\" : \"\" }"),
        r#"{"a":"","b":[1,{"c":[],"d":{}}]}"#
    );
}
