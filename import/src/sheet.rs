//! The layout reader of Form 20 sheets (spec `import.md`): which column holds the station
//! number, each candidate's votes in ballot order, NOTA, and each summary figure (valid,
//! rejected, NOTA, total, tendered, test votes), found from what the header rows mean and from
//! the arithmetic the data rows obey, whatever the wording, order, row or spelling of the
//! headings. It never changes a figure; it says which layout it recognised, and refuses, with
//! the sheet and the reason, what it cannot tell.

/// A sheet's cells as read: (line, cells).
pub(crate) type Rows = [(u64, Vec<String>)];

/// What a summary column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Valid,
    Rejected,
    Nota,
    Total,
    Tendered,
    TestVotes,
}

/// What the reader found.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// Column of the station number.
    pub station_col: usize,
    /// Candidates' columns in ballot order.
    pub candidate_cols: Vec<usize>,
    /// The header text over each candidate column ("" where the names were merged elsewhere).
    pub names: Vec<String>,
    pub nota_col: usize,
    pub valid_col: Option<usize>,
    pub rejected_col: Option<usize>,
    pub total_col: Option<usize>,
    pub tendered_col: Option<usize>,
    /// Test votes under Rule 49MA (a VVPAT poll's column).
    pub test_votes_col: Option<usize>,
    /// Index of the first row after the header rows.
    pub start: usize,
    /// The layout recognised, in words.
    pub description: Vec<String>,
}

/// A cell as the reader compares it: non-breaking and other spaces as one space, soft hyphens
/// and zero-width characters dropped, trimmed.
pub(crate) fn norm(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut space = false;
    for c in cell.chars() {
        if matches!(
            c,
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'
        ) {
            continue;
        }
        if c.is_whitespace() || c == '\u{a0}' {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// A printed figure: digits, or digits after a minus sign (reported by the importer), grouped
/// with commas or not, in the Indian way ("6,07,916") or the international one ("607,916").
pub(crate) fn figure(cell: &str) -> Option<i64> {
    let t = cell.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t),
    };
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let joined: String;
    let digits = if digits.contains(',') {
        let groups: Vec<&str> = digits.split(',').collect();
        let n = groups.len();
        let ok = groups.iter().all(|g| all_digits(g))
            && groups[0].len() <= 3
            && groups[n - 1].len() == 3
            && groups[1..n - 1]
                .iter()
                .all(|g| g.len() == 2 || g.len() == 3);
        if !ok {
            return None;
        }
        joined = groups.concat();
        joined.as_str()
    } else {
        digits
    };
    if digits.len() > 9 || !all_digits(digits) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// The digit a decimal digit of an Indian script stands for (Devanagari, Bengali, Gurmukhi,
/// Gujarati, Odia, Tamil, Telugu, Kannada, Malayalam), with the script's name.
pub(crate) fn native_digit(c: char) -> Option<(char, &'static str)> {
    const ZEROS: [(u32, &str); 9] = [
        (0x966, "Devanagari"),
        (0x9E6, "Bengali"),
        (0xA66, "Gurmukhi"),
        (0xAE6, "Gujarati"),
        (0xB66, "Odia"),
        (0xBE6, "Tamil"),
        (0xC66, "Telugu"),
        (0xCE6, "Kannada"),
        (0xD66, "Malayalam"),
    ];
    let u = c as u32;
    ZEROS
        .iter()
        .find(|(z, _)| (*z..z + 10).contains(&u))
        .and_then(|(z, name)| Some((char::from_digit(u - z, 10)?, *name)))
}

/// A station number as printed: up to five digits, optionally followed by one letter (an
/// auxiliary station) written `158A`, `158a`, `158-A`, `158 A`, `158/A` or `158(A)`, the letter
/// Latin or of an Indian script (`158-ક`, `158 अ`).
pub(crate) fn station_id(cell: &str) -> bool {
    station_number(cell).is_some()
}

/// The station's id for a printed number: the digits without leading zeros, then an auxiliary
/// station's letter, upper-case when Latin (`158A`), else `-x` and its code point in hex
/// (`158-x0a95` for `158-ક`): ids are safe ids (bundle.md), and no two printed forms of
/// different stations meet. `None` when the cell is no station number.
pub(crate) fn station_number(cell: &str) -> Option<String> {
    let t = cell.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, rest) = t.split_at(digits_end);
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let number = digits.trim_start_matches('0');
    if number.is_empty() {
        return None;
    }
    // The auxiliary letter, after at most one separator, optionally in brackets.
    let rest = rest.trim_start_matches([' ', '-', '/']);
    let rest = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim();
    let mut letters = rest.chars();
    match (letters.next(), letters.next()) {
        (None, _) => (rest.is_empty() && digits_end == t.len()).then(|| number.to_string()),
        (Some(c), None) if c.is_ascii_alphabetic() => {
            Some(format!("{number}{}", c.to_ascii_uppercase()))
        }
        (Some(c), None) if c.is_alphabetic() => Some(format!("{number}-x{:04x}", u32::from(c))),
        _ => None,
    }
}

/// A row of column numbers: 1, 2, 3, ... across the sheet (at least four), each possibly in
/// brackets or with a trailing mark (`3*`, `(4)`, `5.`), with cells of marks only (`*`, `-`,
/// `**`) anywhere among them, as some sheets print over columns they do not number. Any other
/// text makes it no such row.
pub(crate) fn column_numbers(r: &[String]) -> bool {
    let mut next = 1i64;
    for c in r {
        let t = c
            .trim()
            .trim_start_matches(['(', '['])
            .trim_end_matches([')', ']', '*', '.', '-', '\u{2013}', '\u{2014}', ' ']);
        if t.is_empty() {
            continue; // blank, or marks only
        }
        if figure(t) != Some(next) || t.contains(',') {
            return false;
        }
        next += 1;
    }
    next > 4
}

/// Words that head the candidates' columns ("votes cast in favour of"), in English and in the
/// Hindi, Marathi and Gujarati of bilingual sheets; compared without spaces.
const FAVOUR: [&str; 5] = ["favour", "favor", "पक्षमें", "बाजूने", "તરફેણ"];

/// Whether a heading is the one over all the candidates' columns.
pub(crate) fn heads_candidates(label: &str) -> bool {
    let l = label.to_lowercase().replace(' ', "");
    FAVOUR.iter().any(|w| l.contains(w))
}

/// The role a header text names, if any: by English words, and by the Hindi, Marathi and
/// Gujarati words bilingual sheets print (spec `import.md`). "valid votes cast in favour of"
/// heads the candidates. Words for "invalid" are read before "valid", which they contain.
fn role_of(label: &str) -> Option<Role> {
    let l = label.to_lowercase();
    let l = l.replace(' ', "");
    let any = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if l.is_empty() || heads_candidates(&l) {
        return None;
    }
    if any(&[
        "nota",
        "noneoftheabove",
        "नोटा",
        "कोईनहीं",
        "कोणीहीनाही",
        "નોટા",
        "કોઈનહીં",
        "કોઈપણનહીં",
    ]) {
        return Some(Role::Nota);
    }
    if any(&[
        "अस्वीकृत",
        "अवैध",
        "अमान्य",
        "निरस्त",
        "रद्द",
        "અસ્વીકૃત",
        "અમાન્ય",
        "રદ",
    ]) {
        return Some(Role::Rejected);
    }
    if any(&["valid", "valied", "वैध", "विधिमान्य", "मान्य", "માન્ય"])
    {
        return Some(Role::Valid);
    }
    if l.contains("reject") {
        return Some(Role::Rejected);
    }
    if any(&[
        "testvote",
        "49ma",
        "vvpat",
        "टेस्ट",
        "परीक्षण",
        "ટેસ્ટ",
        "પરીક્ષણ",
    ]) {
        return Some(Role::TestVotes);
    }
    if any(&["tender", "निविदत्त", "प्रदत्त", "टेंडर", "ટેન્ડર", "પ્રદત્ત"])
    {
        return Some(Role::Tendered);
    }
    // "कुल" as a word, not the start of a name such as Kuldeep.
    let first_word = label.split_whitespace().next().unwrap_or("");
    if l.starts_with("total") || ["कुल", "योग", "एकूण", "કુલ"].contains(&first_word)
    {
        return Some(Role::Total);
    }
    None
}

/// A data row: a station number followed by at least three figures.
fn data_row(r: &[String]) -> Option<usize> {
    let s = r.iter().position(|c| !c.trim().is_empty())?;
    let figs = r[s + 1..].iter().filter(|c| figure(c).is_some()).count();
    (station_id(&r[s]) && figs >= 3 && !column_numbers(r)).then_some(s)
}

/// Reads the layout of one sheet. `candidates`, when known (from the declared result), is the
/// number of candidates without NOTA.
pub(crate) fn find(rows: &Rows, file: &str, candidates: Option<usize>) -> Result<Found, String> {
    let rows: Vec<(u64, Vec<String>)> = rows
        .iter()
        .map(|(l, r)| (*l, r.iter().map(|c| norm(c)).collect()))
        .collect();
    let start = rows
        .iter()
        .position(|(_, r)| data_row(r).is_some())
        .ok_or_else(|| format!("{file}: no row of a station number followed by figures"))?;
    let data: Vec<&Vec<String>> = rows[start..]
        .iter()
        .map(|(_, r)| r)
        .filter(|r| data_row(r).is_some())
        .take(400)
        .collect();
    let header: Vec<&Vec<String>> = rows[..start]
        .iter()
        .map(|(_, r)| r)
        .filter(|r| !column_numbers(r))
        .collect();
    // The station column: where most data rows print their station number.
    let mut at = std::collections::BTreeMap::<usize, usize>::new();
    for r in &data {
        if let Some(s) = data_row(r) {
            *at.entry(s).or_default() += 1;
        }
    }
    let station_col = at
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(s, _)| *s)
        .unwrap_or(0);
    let width = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let label = |j: usize| -> String {
        let parts: Vec<&str> = header
            .iter()
            .filter_map(|r| r.get(j).map(String::as_str))
            .filter(|c| !c.is_empty())
            .collect();
        parts.join(" ")
    };
    // Figure columns: numbers or blanks in nearly every data row, and some figure or a heading.
    let figure_cols: Vec<usize> = (station_col + 1..width)
        .filter(|&j| {
            let cells: Vec<&str> = data
                .iter()
                .map(|r| r.get(j).map(String::as_str).unwrap_or(""))
                .collect();
            let numeric = cells.iter().filter(|c| figure(c).is_some()).count();
            let blank = cells.iter().filter(|c| c.is_empty()).count();
            let text = cells.len() - numeric - blank;
            text <= cells.len() / 10 + 1
                && text < numeric.max(1)
                && (numeric > 0 || role_of(&label(j)).is_some())
        })
        .collect();
    let roles: Vec<Option<Role>> = figure_cols.iter().map(|&j| role_of(&label(j))).collect();
    // Candidates: the first columns after the station number, in ballot order.
    let k = match candidates {
        Some(k) => k,
        None => roles.iter().position(Option::is_some).ok_or_else(|| {
            format!("{file}: no heading names a valid, NOTA or total column, and the number of candidates is not known")
        })?,
    };
    if k == 0 {
        return Err(format!(
            "{file}: no candidate column (the declared result lists none)"
        ));
    }
    if figure_cols.len() < k + 1 {
        return Err(format!(
            "{file}: {} columns of figures after the station number, fewer than the {k} candidates and NOTA",
            figure_cols.len()
        ));
    }
    let candidate_cols: Vec<usize> = figure_cols[..k].to_vec();
    let mut description_early = Vec::new();
    // A heading over a candidate's column is an error, unless it is every name merged in one
    // cell (which may end in NOTA's own heading).
    // Names: the header text over each candidate column, without the heading over them all.
    // A header row whose only text over the candidates is in the first candidate's column,
    // while another header row names two or more of them, holds the heading over them all
    // ("Votes polled for"), whatever its words.
    let filled = |r: &Vec<String>| {
        candidate_cols
            .iter()
            .filter(|&&j| r.get(j).is_some_and(|c| !c.is_empty()))
            .count()
    };
    let named_elsewhere = header.iter().any(|r| filled(r) >= 2);
    let over_all: Vec<bool> = header
        .iter()
        .map(|r| {
            named_elsewhere
                && k >= 2
                && filled(r) == 1
                && r.get(candidate_cols[0]).is_some_and(|c| !c.is_empty())
        })
        .collect();
    let name_text = |j: usize| -> String {
        let parts: Vec<&str> = header
            .iter()
            .zip(&over_all)
            .filter(|(_, over)| !**over || j != candidate_cols[0])
            .filter_map(|(r, _)| r.get(j).map(String::as_str))
            .filter(|c| !c.is_empty() && !heads_candidates(c))
            .collect();
        parts.join(" ")
    };
    let merged = |j: usize| name_text(j).split_whitespace().count() > 3 * k.max(2);
    let names_merged = candidate_cols.iter().any(|&j| merged(j));
    if let Some(j) = candidate_cols.iter().find(|&&j| merged(j)) {
        description_early.push(format!(
            "the candidates' names merged in one cell (column {})",
            j + 1
        ));
    }
    if let Some((j, r)) = candidate_cols
        .iter()
        .map(|&j| (j, role_of(&name_text(j))))
        .find(|(j, r)| r.is_some() && !merged(*j))
    {
        return Err(format!(
            "{file}: column {} is headed {:?} ({:?}), but the {k} candidates' columns should be there",
            j + 1,
            label(j),
            r
        ));
    }
    let rest: Vec<(usize, Option<Role>)> = figure_cols[k..]
        .iter()
        .copied()
        .zip(roles[k..].iter().copied())
        .collect();
    // The rows' arithmetic, over rows whose candidate figures all read.
    let get = |r: &Vec<String>, j: usize| r.get(j).and_then(|c| figure(c));
    let sums: Vec<(&Vec<String>, i64)> = data
        .iter()
        .filter_map(|r| {
            let v: Option<Vec<i64>> = candidate_cols.iter().map(|&j| get(r, j)).collect();
            v.map(|v| (*r, v.iter().sum()))
        })
        .collect();
    let share = |pred: &dyn Fn(&Vec<String>, i64) -> Option<bool>| -> f64 {
        let (mut yes, mut n) = (0usize, 0usize);
        for (r, s) in &sums {
            if let Some(ok) = pred(r, *s) {
                n += 1;
                yes += usize::from(ok);
            }
        }
        if n == 0 {
            0.0
        } else {
            yes as f64 / n as f64
        }
    };
    let mut description = std::mem::take(&mut description_early);
    let by_role = |role: Role| {
        rest.iter()
            .filter(|(_, r)| *r == Some(role))
            .map(|(j, _)| *j)
            .collect::<Vec<_>>()
    };
    // NOTA: the column headed so; else the unheaded column right after the candidates when the
    // rows' arithmetic shows it is added into the valid or total figures.
    let headed = by_role(Role::Nota);
    let valid_col = by_role(Role::Valid).first().copied();
    let total_col = by_role(Role::Total).first().copied();
    let rejected_col = by_role(Role::Rejected).first().copied();
    let adds_up = |n: usize| -> f64 {
        let with_valid =
            valid_col.map_or(0.0, |v| share(&|r, s| Some(get(r, v)? == s + get(r, n)?)));
        let with_total = total_col.map_or(0.0, |t| {
            share(&|r, s| {
                let rej = rejected_col.and_then(|c| get(r, c)).unwrap_or(0);
                Some(get(r, t)? == s + get(r, n)? + rej)
            })
        });
        with_valid.max(with_total)
    };
    let first_after = rest[0].0;
    // With the number of candidates taken from the declared result, an unheaded column of
    // figures between the last of them and NOTA's heading is a candidate the declared result
    // does not list (or a column this reader does not know): refused, never dropped.
    if let (Some(_), [n, ..]) = (candidates, headed.as_slice()) {
        let extra = rest
            .iter()
            .take_while(|(j, _)| j < n)
            .find(|(j, r)| r.is_none() && share(&|row, _| Some(get(row, *j)? != 0)) > 0.0);
        let twin = |j: usize| share(&|r, _| Some(get(r, j)? == get(r, *n)?)) >= 0.9;
        if let Some((j, _)) = extra.filter(|(j, _)| !twin(*j)) {
            let sheet_names: Vec<String> = candidate_cols
                .iter()
                .chain(std::iter::once(j))
                .map(|&c| name_text(c))
                .collect();
            return Err(format!(
                "{file}: column {} ({:?}) holds votes between the {k} candidates the declared result lists and NOTA (column {}): the sheet has more candidates than the declared result; the sheet's candidate columns read {sheet_names:?}",
                j + 1,
                label(*j),
                n + 1
            ));
        }
    }
    let (nota_col, _nota_again) = match headed.as_slice() {
        [] => {
            if rest[0].1.is_none() && adds_up(first_after) >= 0.9 {
                description.push(format!(
                    "NOTA in the unheaded column {} after the candidates (the rows add it into the valid or total figures)",
                    first_after + 1
                ));
                (first_after, None)
            } else {
                return Err(format!("{file}: no column is headed NOTA, and no column after the candidates adds up as NOTA"));
            }
        }
        [n, more @ ..] => {
            description.push(format!("NOTA headed {:?} in column {}", label(*n), n + 1));
            // An unheaded column after the candidates that prints the same figures: NOTA twice.
            let twin = if rest[0].1.is_none() && first_after != *n {
                let same = share(&|r, _| Some(get(r, first_after)? == get(r, *n)?));
                (same >= 0.9).then_some(first_after)
            } else {
                more.first().copied()
            };
            if let Some(t) = twin {
                description.push(format!(
                    "NOTA printed twice (columns {} and {})",
                    t + 1,
                    n + 1
                ));
            }
            (*n, twin)
        }
    };
    let valid_includes_nota = valid_col.and_then(|v| {
        let without = share(&|r, s| Some(get(r, v)? == s));
        let with = share(&|r, s| Some(get(r, v)? == s + get(r, nota_col)?));
        if with.max(without) < 0.5 {
            None
        } else {
            Some(with > without)
        }
    });
    if let Some(v) = valid_col {
        description.push(format!(
            "valid votes in column {} ({:?}), {}",
            v + 1,
            label(v),
            match valid_includes_nota {
                Some(true) => "NOTA included",
                Some(false) => "NOTA not included",
                None => "adding up with neither the candidates nor the candidates and NOTA",
            }
        ));
    }
    let names: Vec<String> = candidate_cols
        .iter()
        .map(|&j| {
            if names_merged {
                String::new()
            } else {
                name_text(j)
            }
        })
        .collect();
    let test_votes_col = by_role(Role::TestVotes).first().copied();
    if let Some(t) = test_votes_col {
        description.push(format!(
            "test votes (Rule 49MA) in column {} ({:?}): a VVPAT poll",
            t + 1,
            label(t)
        ));
    }
    let header_rows = header.len();
    description.insert(
        0,
        format!(
            "{header_rows} header row(s); station number in column {}; {k} candidates in columns {}-{}",
            station_col + 1,
            candidate_cols[0] + 1,
            candidate_cols[k - 1] + 1
        ),
    );
    let found = Found {
        station_col,
        candidate_cols,
        names,
        nota_col,
        valid_col,
        rejected_col,
        total_col,
        tendered_col: by_role(Role::Tendered).first().copied(),
        test_votes_col,
        start,
        description,
    };
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Vec<(u64, Vec<String>)> {
        csv.lines()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.split(',').map(str::to_string).collect()))
            .collect()
    }

    #[test]
    fn heading_row_over_names_row() {
        let r = rows("Serial No. of Polling Station,No. of Valid votes cast in favour of,,Total of valid votes,No.of rejected votes,NOTA,Total,No of tendered votes\n,A B,C D,,,,,\n1,2,3,4,5,6,7,8\n1,10,20,30,0,5,35,0\n2,1,2,3,1,1,5,0\n");
        let f = find(&r, "s.csv", Some(2)).unwrap();
        assert_eq!(f.station_col, 0);
        assert_eq!(f.candidate_cols, vec![1, 2]);
        assert_eq!(f.names, vec!["A B", "C D"]);
        assert_eq!(
            (
                f.valid_col,
                f.rejected_col,
                f.nota_col,
                f.total_col,
                f.tendered_col
            ),
            (Some(3), Some(4), 5, Some(6), Some(7))
        );
        assert!(f
            .description
            .iter()
            .any(|d| d.ends_with("NOTA not included")));
        assert_eq!(f.start, 3);
    }

    #[test]
    fn unheaded_nota_included_in_valid() {
        let r = rows("Sr.No. of Polling Station,,,,valid,No. of reject\u{a0}ed Votes,Total\n,A,B,,,,\n1,10,20,3,33,0,33\n2,5,5,1,11,0,11\n");
        let f = find(&r, "s.csv", Some(2)).unwrap();
        assert_eq!(f.nota_col, 3);
        assert_eq!(f.valid_col, Some(4));
        assert!(f.description.iter().any(|d| d.ends_with("NOTA included")));
        assert_eq!(f.total_col, Some(6));
    }

    #[test]
    fn one_header_row_with_names_and_headings() {
        // AC128: station label, names (with parties) and headings in one row; tendered before
        // total (AC138, AC140).
        let r = rows("Sr.No. of Polling station,Asha (AAP),Ravi Jantadal (United),Total Valid votes,No. of Rejected votes (Test Votes),Votes for NOTA' Option,No. of tenderd votes,Total\n1,10,20,30,0,5,0,35\n2,1,2,3,,1,,4\n");
        let f = find(&r, "s.csv", Some(2)).unwrap();
        assert_eq!(f.names, vec!["Asha (AAP)", "Ravi Jantadal (United)"]);
        assert_eq!(
            (
                f.valid_col,
                f.rejected_col,
                f.nota_col,
                f.tendered_col,
                f.total_col
            ),
            (Some(3), Some(4), 5, Some(6), Some(7))
        );
        assert_eq!(f.start, 1);
    }

    #[test]
    fn names_merged_and_nota_twice() {
        // AC058: every name in one cell; NOTA unheaded after the candidates and again headed.
        let r = rows("No. of Polling Station,,,,valid,No. of Rejected votes (test votes),Votes for 'NOTA' option,Total\n,Asha (BJP) Ravi (INC) Mira (BSP) \"None of the Above\"(NOTA),,,,,,\n1,10,20,3,33,0,3,33\n2,1,2,1,4,0,1,4\n");
        let f = find(&r, "s.csv", Some(2)).unwrap();
        assert_eq!(f.names, vec!["", ""]);
        assert_eq!(f.nota_col, 6);
        assert!(f.description.iter().any(|d| d.contains("merged")));
        assert!(f
            .description
            .iter()
            .any(|d| d.contains("NOTA printed twice (columns 4 and 7)")));
    }

    #[test]
    fn a_name_column_and_column_numbers_are_not_stations_or_candidates() {
        // The station number is not the column just before the first candidate; a row of
        // column numbers with trailing marks.
        let r = rows("Serial No. & Name of Polling Station,,No. of valid votes cast in favour of,,Total of valid votes,NOTA,Total\n,,A,B,,,\n1,2,3,4,5,6,7,* * * *\n1,School Road,10,20,30,5,35\n2,Temple,1,2,3,1,4\n158A,Hall,1,1,2,0,2\n");
        let f = find(&r, "s.csv", Some(2)).unwrap();
        assert_eq!(f.station_col, 0);
        assert_eq!(f.candidate_cols, vec![2, 3]);
        assert_eq!(f.start, 3);
    }

    #[test]
    fn refuses_what_it_cannot_tell() {
        // No NOTA heading and nothing that adds up as NOTA.
        let r = rows("Station,A,B,X,Y\n1,10,20,7,9\n2,1,2,3,4\n");
        assert!(find(&r, "s.csv", Some(2)).unwrap_err().contains("NOTA"));
        // No station rows at all.
        let r = rows("Station,A,B\nfooter,,\n");
        assert!(find(&r, "s.csv", Some(2))
            .unwrap_err()
            .contains("no row of a station number"));
        // Fewer figure columns than candidates.
        let r = rows("Station,A,NOTA\n1,2,3,4\n");
        assert!(find(&r, "s.csv", Some(5)).is_err());
    }

    #[test]
    fn norm_and_ids() {
        assert_eq!(
            norm(" Total\u{a0}of  valid\u{ad} votes \r"),
            "Total of valid votes"
        );
        assert!(station_id("158A") && station_id("7") && !station_id("A1") && !station_id("12AB"));
        assert_eq!(figure("-3"), Some(-3));
        assert_eq!(figure("- 470"), None);
        assert!(column_numbers(
            &["1", "2", "3", "4", "* *"].map(String::from)
        ));
    }
}

#[cfg(test)]
mod published_sheets {
    use super::*;
    use std::path::PathBuf;

    fn real() -> PathBuf {
        crate::testdata::real("").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every published sheet in data/real/ is read with no hand edit: its layout is recognised,
    /// with the candidates the declared result has.
    #[test]
    fn every_published_sheet_has_a_layout() {
        let mut folders: Vec<PathBuf> = Vec::new();
        for e in std::fs::read_dir(real()).unwrap().flatten() {
            let p = e.path();
            if p.join("raw").is_dir() {
                folders.push(p.clone());
            }
            for e in std::fs::read_dir(&p).unwrap().flatten() {
                if e.path().join("raw").is_dir() {
                    folders.push(e.path());
                }
            }
        }
        folders.sort();
        let mut sheets = 0;
        let mut failures = Vec::new();
        for pc in &folders {
            let declared = std::fs::read_dir(pc.join("raw"))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains("Gujarat -"))
                })
                .unwrap_or_else(|| pc.join("declared.csv"));
            let k = std::fs::read_to_string(&declared)
                .unwrap()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .count()
                - 2;
            let mut raw: Vec<PathBuf> = std::fs::read_dir(pc.join("raw"))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("AC"))
                })
                .collect();
            raw.sort();
            for sheet in raw {
                sheets += 1;
                let rows = crate::read_rows(&sheet).unwrap();
                let name = sheet.display().to_string();
                match find(&rows, &name, Some(k)) {
                    Ok(f) => println!("{name}: {}", f.description.join("; ")),
                    Err(e) => failures.push(e),
                }
            }
        }
        assert!(sheets >= 35, "{sheets} sheets");
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
