//! The witnessed log's parsers on untrusted bytes: a checkpoint note, an entry bundle, a log
//! entry, a witness's add-checkpoint request. None may panic; each either parses or refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tlog::SignedHead::parse("checkpoint", data);
    for count in [0, 1, 3, 256] {
        let _ = tlog::tiles::decode_bundle("tile/entries/000", data, count);
    }
    let _ = bundle::log::LogEntry::parse(data);
    let _ = tlog::witness::parse_request(data);
});
