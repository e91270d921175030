//! What listens where: the sockets of this machine, from `/proc/net`.

/// The local addresses (hex, as in `/proc/net/tcp{,6}`) listening on `port`.
pub fn listening_addresses(port: u16) -> Vec<String> {
    let port_hex = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let local = fields.get(1)?;
                    let listening = fields.get(3) == Some(&"0A");
                    (listening && local.ends_with(&port_hex))
                        .then(|| local.trim_end_matches(&port_hex).to_owned())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
