//! UPnP device descriptions: what a device tells anyone on the LAN.
//!
//! The SSDP answer's `LOCATION` is fetched only when it points at the probed
//! host itself (never at another address), over plain HTTP, bounded in
//! bytes and time.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::Serialize;

use crate::http::http_get_path;
use crate::limiter::Limiter;

/// Description fields that are reported when present.
pub const FIELDS: [&str; 9] = [
    "deviceType",
    "friendlyName",
    "manufacturer",
    "modelName",
    "modelNumber",
    "modelDescription",
    "serialNumber",
    "UDN",
    "presentationURL",
];

/// A fetched device description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpnpDescription {
    /// Host address.
    pub host: String,
    /// The `LOCATION` URL.
    pub location: String,
    /// `(field, value)` of the root device, in [`FIELDS`] order.
    pub fields: Vec<(String, String)>,
}

/// Split an `http://host:port/path` URL (parsed by the `url` crate) whose
/// host is an address; `None` for anything else.
pub fn split_http_url(url: &str) -> Option<(IpAddr, u16, String)> {
    let parsed = url::Url::parse(url).ok()?;
    if parsed.scheme() != "http" {
        return None;
    }
    let host: IpAddr = match parsed.host()? {
        url::Host::Ipv4(a) => a.into(),
        url::Host::Ipv6(a) => a.into(),
        url::Host::Domain(_) => return None,
    };
    let port = parsed.port_or_known_default()?;
    let mut path = parsed.path().to_owned();
    if let Some(query) = parsed.query() {
        path.push('?');
        path.push_str(query);
    }
    Some((host, port, path))
}

/// The text of the first `<tag>…</tag>` in `xml`, entity-decoded for the
/// five XML entities, at most 200 characters.
pub fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml.get(start..)?.find(&close)?;
    let raw = xml.get(start..start + len)?.trim();
    let text = raw
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    Some(text.chars().take(200).collect())
}

/// Parse the root device's fields of a description document.
pub fn parse_description(xml: &str) -> Vec<(String, String)> {
    // The root device's fields come before any embedded <deviceList>.
    let root = xml
        .find("<deviceList>")
        .and_then(|i| xml.get(..i))
        .unwrap_or(xml);
    FIELDS
        .iter()
        .filter_map(|f| {
            xml_tag(root, f)
                .filter(|v| !v.is_empty())
                .map(|v| ((*f).to_owned(), v))
        })
        .collect()
}

/// Fetch the description at `location` if it is on `host`.
pub(crate) async fn fetch(
    host: IpAddr,
    location: &str,
    limiter: &Limiter,
    timeout: Duration,
) -> Result<UpnpDescription, String> {
    let (ip, port, path) =
        split_http_url(location).ok_or_else(|| format!("unsupported LOCATION `{location}`"))?;
    if ip != host {
        return Err(format!(
            "LOCATION `{location}` points at another host; not followed"
        ));
    }
    let answer = http_get_path(SocketAddr::new(ip, port), &path, limiter, None, timeout)
        .await
        .ok_or_else(|| format!("no answer from {location}"))?;
    if answer.status != 200 {
        return Err(format!("{location} answered {}", answer.status));
    }
    Ok(UpnpDescription {
        host: host.to_string(),
        location: location.to_owned(),
        fields: parse_description(&String::from_utf8_lossy(&answer.body)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let ip: IpAddr = "10.1.2.3"
            .parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        assert_eq!(
            split_http_url("http://10.1.2.3:5000/rootDesc.xml"),
            Some((ip, 5000, "/rootDesc.xml".into()))
        );
        assert_eq!(
            split_http_url("http://10.1.2.3"),
            Some((ip, 80, "/".into()))
        );
        assert_eq!(split_http_url("https://10.1.2.3/x"), None);
        assert_eq!(split_http_url("http://cam.local/x"), None);
        assert_eq!(split_http_url("http://10.1.2.3:99999/x"), None);
        let v6: IpAddr = "fe80::1"
            .parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
        assert_eq!(
            split_http_url("http://[fe80::1]:1900/d.xml?x=1"),
            Some((v6, 1900, "/d.xml?x=1".into()))
        );
    }

    #[test]
    fn descriptions() {
        let xml = "<root><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>\
                   <friendlyName>Cam &amp; Co</friendlyName><modelName>IPC-1</modelName>\
                   <serialNumber>SN123</serialNumber><deviceList><device><modelName>inner</modelName>\
                   </device></deviceList></device></root>";
        let f = parse_description(xml);
        assert_eq!(
            f,
            [
                (
                    "deviceType".into(),
                    "urn:schemas-upnp-org:device:InternetGatewayDevice:1".into()
                ),
                ("friendlyName".into(), "Cam & Co".into()),
                ("modelName".into(), "IPC-1".into()),
                ("serialNumber".into(), "SN123".into()),
            ]
        );
        assert!(parse_description("<modelName>unterminated").is_empty());
        assert_eq!(xml_tag("<a></a>", "a"), Some(String::new()));
    }
}
