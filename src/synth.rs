//! A synthetic but realistically shaped tenant day of Entra sign-ins, seeded, for measuring noise (alerts
//! per 10,000 benign sessions) and cost (rows read and packed, time and memory). It writes rows as the
//! Sentinel tables export them (`SigninLogs` / `AADNonInteractiveUserSignInLogs` column names), so they go
//! through the same reader as any exported sample.
//!
//! What a session looks like, per kind ([`Kind`]), from how Entra logs real traffic:
//! - an interactive sign-in opens the session: with MFA performed (an issuance), or satisfied by the
//!   device's primary refresh token (a claim: not an issuance);
//! - first-party clients refresh the same SessionId for hours: Teams, Outlook, the Windows broker, the
//!   browser itself; on a registered device they carry its device id;
//! - the network changes while the session lives: home broadband to the office VPN, the tenant's SASE, a
//!   phone hotspot; phones move between carriers and Wi-Fi;
//! - Microsoft services refresh on the user's behalf from Microsoft's own ranges;
//! - `TimeGenerated` is the sign-in time plus a publication delay that differs per table, and the row
//!   becomes searchable a little later still.
//!
//! Addresses come from the documentation ranges the bundled lists use as the tenant's own egress
//! (192.0.2.0/24 corporate, 198.51.100.0/24 the tenant's SASE), from Microsoft's service ranges, and from
//! public residential and carrier ranges (their ASNs are what matters to the rules).

use serde_json::{json, Value as Json};

/// What kind of legitimate session, and how often it occurs in the tenant (weights sum to 1,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Managed laptop (Entra joined), MFA in the browser at home, refreshes at home all day.
    LaptopHome,
    /// Managed laptop, MFA at home, then the office VPN (corporate egress).
    LaptopToVpn,
    /// Managed laptop, MFA at home, then the tenant's SASE tunnel comes up.
    LaptopToSase,
    /// Managed laptop, MFA at home, then a phone hotspot (carrier ASN).
    LaptopToHotspot,
    /// Managed laptop whose sign-in is satisfied by its primary refresh token (no MFA performed).
    LaptopPrtClaim,
    /// Registered phone (Authenticator broker): Outlook and Teams, carrier and home Wi-Fi.
    PhoneRegistered,
    /// Unregistered phone: Outlook added through the Safari sheet on a carrier, refreshing on carriers.
    PhoneUnregistered,
    /// Unregistered phone that goes home: Outlook refreshes on home Wi-Fi after an MFA on a carrier.
    PhoneUnregisteredWifi,
    /// Unmanaged home PC: Chrome or Firefox, no device id, occasionally a hotspot.
    HomePc,
}

impl Kind {
    pub const MIX: [(Kind, u32, &'static str); 9] = [
        (
            Kind::LaptopHome,
            250,
            "managed laptop, MFA and refreshes at home",
        ),
        (
            Kind::LaptopToVpn,
            120,
            "managed laptop, MFA at home, then the office VPN",
        ),
        (
            Kind::LaptopToSase,
            120,
            "managed laptop, MFA at home, then the tenant's SASE",
        ),
        (
            Kind::LaptopToHotspot,
            60,
            "managed laptop, MFA at home, then a phone hotspot",
        ),
        (
            Kind::LaptopPrtClaim,
            150,
            "managed laptop, sign-in satisfied by the device's PRT (no MFA)",
        ),
        (
            Kind::PhoneRegistered,
            100,
            "registered phone, Outlook and Teams on carrier and Wi-Fi",
        ),
        (
            Kind::PhoneUnregistered,
            70,
            "unregistered phone, Outlook on carriers",
        ),
        (
            Kind::PhoneUnregisteredWifi,
            40,
            "unregistered phone, Outlook from carrier to home Wi-Fi",
        ),
        (Kind::HomePc, 90, "unmanaged home PC, browser only"),
    ];

    pub fn describe(self) -> &'static str {
        Self::MIX
            .iter()
            .find(|(k, _, _)| *k == self)
            .map_or("", |(_, _, d)| d)
    }
}

/// The generator's knobs.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub seed: u64,
    /// Sessions in the day.
    pub sessions: usize,
    /// Users the sessions belong to (a user has several sessions a day).
    pub users: usize,
    /// Non-interactive refreshes per session, on average (public figures: non-interactive sign-ins
    /// outnumber interactive ones by one to two orders of magnitude).
    pub refreshes_per_session: u32,
    /// Share of managed-laptop sessions in which a Microsoft service refreshes on the user's behalf.
    pub service_refresh_share: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            sessions: 2_000,
            users: 800,
            refreshes_per_session: 30,
            service_refresh_share: 0.1,
        }
    }
}

/// One generated day.
pub struct Day {
    pub rows: Vec<Json>,
    /// Sessions per kind.
    pub mix: Vec<(Kind, usize)>,
}

/// 2026-11-02T00:00:00Z, a Monday: the day the sessions start in.
const DAY_START: i64 = 1_793_577_600;

const RESIDENTIAL: [u32; 6] = [7922, 20115, 701, 7018, 22773, 11427];
const CARRIERS: [u32; 3] = [21928, 20057, 6167];
const MICROSOFT_SERVICE: [&str; 3] = ["20.190.151.", "40.126.28.", "20.20.33."];

const EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_SHEET: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const TEAMS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 Teams/24295.605.3225.8804/49";
const OUTLOOK_DESKTOP: &str =
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)";
const BROKER: &str = "Windows-AzureAD-Authentication-Provider/1.0";
const OUTLOOK_IOS: &str = "Outlook-iOS/2.0";
const TEAMS_IOS: &str = "Teams/6.26.1 (iOS 18.1)";
const SERVICE: &str = "Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0";

const OFFICEHOME: &str = "4765445b-32c6-49b0-83e6-1d93765276ca";
const TEAMS_APP: &str = "1fec8e78-bce4-4aaf-ab1b-5451cc387264";
const OFFICE_APP: &str = "d3590ed6-52b3-4102-aeff-aad2292ab01c";
const BROKER_APP: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";
const OUTLOOK_MOBILE_APP: &str = "27922004-5251-4030-b22d-91ecd9a37ea4";
const EXCHANGE: &str = "00000002-0000-0ff1-ce00-000000000000";

/// A network a session is on: ASN and an address.
#[derive(Clone)]
struct Net {
    asn: u32,
    ip: String,
}

/// A client: user agent, app id and name.
#[derive(Clone, Copy)]
struct Client {
    ua: &'static str,
    app: &'static str,
    app_name: &'static str,
}

const fn client(ua: &'static str, app: &'static str, app_name: &'static str) -> Client {
    Client { ua, app, app_name }
}

struct Gen<'s> {
    rng: fastrand::Rng,
    cfg: Config,
    rows: usize,
    sink: &'s mut dyn FnMut(Json),
}

/// Generates the day: the same `Config` always gives the same rows.
pub fn tenant_day(cfg: Config) -> Day {
    let mut rows = Vec::new();
    let mix = stream(cfg, &mut |r| rows.push(r));
    Day { rows, mix }
}

/// Generates the day row by row into `sink` (for days too big to hold as JSON); returns the mix.
pub fn stream(cfg: Config, sink: &mut dyn FnMut(Json)) -> Vec<(Kind, usize)> {
    let mut g = Gen {
        rng: fastrand::Rng::with_seed(cfg.seed),
        cfg,
        rows: 0,
        sink,
    };
    let total: u32 = Kind::MIX.iter().map(|(_, w, _)| w).sum();
    let mut mix: Vec<(Kind, usize)> = Kind::MIX.iter().map(|(k, _, _)| (*k, 0)).collect();
    for s in 0..cfg.sessions {
        let mut pick = g.rng.u32(0..total);
        let kind = Kind::MIX
            .iter()
            .find(|(_, w, _)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or(Kind::LaptopHome, |(k, _, _)| *k);
        if let Some(m) = mix.iter_mut().find(|(k, _)| *k == kind) {
            m.1 += 1;
        }
        g.session(s, kind);
    }
    mix
}

impl Gen<'_> {
    fn residential(&mut self) -> Net {
        let asn = RESIDENTIAL[self.rng.usize(..RESIDENTIAL.len())];
        Net {
            asn,
            ip: format!(
                "73.{}.{}.{}",
                self.rng.u8(1..250),
                self.rng.u8(1..250),
                self.rng.u8(1..250)
            ),
        }
    }

    fn carrier(&mut self) -> Net {
        let asn = CARRIERS[self.rng.usize(..CARRIERS.len())];
        Net {
            asn,
            ip: format!("172.56.{}.{}", self.rng.u8(1..250), self.rng.u8(1..250)),
        }
    }

    fn corporate(&mut self) -> Net {
        // The office VPN egress: the corp_egress_cidrs placeholder range, with a documentation ASN.
        Net {
            asn: 64496,
            ip: format!("192.0.2.{}", self.rng.u8(1..250)),
        }
    }

    fn tenant_sase(&mut self) -> Net {
        // Addresses the SASE vendor dedicates to this tenant, inside the vendor's shared ASN (Zscaler).
        Net {
            asn: 53813,
            ip: format!("198.51.100.{}", self.rng.u8(1..250)),
        }
    }

    fn microsoft(&mut self) -> Net {
        let prefix = MICROSOFT_SERVICE[self.rng.usize(..MICROSOFT_SERVICE.len())];
        Net {
            asn: 8075,
            ip: format!("{prefix}{}", self.rng.u8(1..250)),
        }
    }

    /// Seconds between Entra's sign-in time and the row's TimeGenerated: the non-interactive table is
    /// batched and publishes later, so a refresh can be stamped before an earlier interactive sign-in.
    fn publication_delay(&mut self, interactive: bool) -> i64 {
        if interactive {
            60 + self.rng.i64(0..240)
        } else {
            120 + self.rng.i64(0..900)
        }
    }

    fn session(&mut self, n: usize, kind: Kind) {
        let user = n % self.cfg.users.max(1);
        let session = uuid(self.cfg.seed, &format!("session:{n}"));
        let device = uuid(self.cfg.seed, &format!("device:{user}:{}", n % 3));
        let start = DAY_START + self.rng.i64(6 * 3600..18 * 3600);
        let home = self.residential();
        let (issue_client, managed, mfa) = match kind {
            Kind::LaptopPrtClaim => (client(EDGE, OFFICEHOME, "OfficeHome"), true, false),
            Kind::LaptopHome | Kind::LaptopToVpn | Kind::LaptopToSase | Kind::LaptopToHotspot => {
                (client(EDGE, OFFICEHOME, "OfficeHome"), true, true)
            }
            Kind::PhoneRegistered => (
                client(OUTLOOK_IOS, OUTLOOK_MOBILE_APP, "Outlook Mobile"),
                true,
                true,
            ),
            Kind::PhoneUnregistered | Kind::PhoneUnregisteredWifi => (
                client(SAFARI_SHEET, OUTLOOK_MOBILE_APP, "Outlook Mobile"),
                false,
                true,
            ),
            Kind::HomePc => {
                let ua = if self.rng.bool() { CHROME } else { FIREFOX };
                (client(ua, OFFICEHOME, "OfficeHome"), false, true)
            }
        };
        let device_id = if managed { device.as_str() } else { "" };
        let first_net = match kind {
            Kind::PhoneRegistered | Kind::PhoneUnregistered | Kind::PhoneUnregisteredWifi => {
                self.carrier()
            }
            _ => home.clone(),
        };
        self.row(
            &session,
            user,
            start,
            true,
            &first_net,
            issue_client,
            device_id,
            if mfa { Auth::Mfa } else { Auth::ClaimMfa },
        );
        // The refreshes: first-party clients of this device, until the session's day ends.
        let clients: Vec<Client> = match kind {
            Kind::PhoneRegistered => vec![
                client(OUTLOOK_IOS, OUTLOOK_MOBILE_APP, "Outlook Mobile"),
                client(TEAMS_IOS, TEAMS_APP, "Microsoft Teams"),
            ],
            Kind::PhoneUnregistered | Kind::PhoneUnregisteredWifi => {
                vec![client(OUTLOOK_IOS, OUTLOOK_MOBILE_APP, "Outlook Mobile")]
            }
            Kind::HomePc => vec![issue_client],
            _ => vec![
                client(TEAMS, TEAMS_APP, "Microsoft Teams"),
                client(OUTLOOK_DESKTOP, OFFICE_APP, "Microsoft Office"),
                client(BROKER, BROKER_APP, "Microsoft Authentication Broker"),
                client(EDGE, OFFICEHOME, "OfficeHome"),
            ],
        };
        let refreshes = 1 + self.rng.u32(0..self.cfg.refreshes_per_session * 2);
        let span = 8 * 3600;
        let moves_at = start + self.rng.i64(600..4 * 3600);
        let moved = match kind {
            Kind::LaptopToVpn => Some(self.corporate()),
            Kind::LaptopToSase => Some(self.tenant_sase()),
            Kind::LaptopToHotspot => Some(self.carrier()),
            Kind::PhoneRegistered | Kind::PhoneUnregisteredWifi => Some(self.residential()),
            Kind::PhoneUnregistered => Some(self.carrier()),
            Kind::HomePc if self.rng.u8(0..10) == 0 => Some(self.carrier()),
            _ => None,
        };
        let mut times: Vec<i64> = (0..refreshes)
            .map(|_| start + 5 + self.rng.i64(0..span))
            .collect();
        times.sort_unstable();
        for t in times {
            let c = clients[self.rng.usize(..clients.len())];
            let net = match &moved {
                Some(m) if t >= moves_at => {
                    // Carriers hand out a new CGNAT address now and then.
                    if CARRIERS.contains(&m.asn) && self.rng.u8(0..4) == 0 {
                        let mut again = self.carrier();
                        again.asn = m.asn;
                        again
                    } else {
                        m.clone()
                    }
                }
                _ => first_net.clone(),
            };
            self.row(&session, user, t, false, &net, c, device_id, Auth::ClaimMfa);
        }
        let managed_laptop = matches!(
            kind,
            Kind::LaptopHome
                | Kind::LaptopToVpn
                | Kind::LaptopToSase
                | Kind::LaptopToHotspot
                | Kind::LaptopPrtClaim
        );
        if managed_laptop && self.rng.f64() < self.cfg.service_refresh_share {
            // Exchange Online refreshes a token on the user's behalf from Microsoft's ranges.
            let net = self.microsoft();
            let t = start + self.rng.i64(60..3600);
            self.row(
                &session,
                user,
                t,
                false,
                &net,
                client(SERVICE, EXCHANGE, "Office 365 Exchange Online"),
                "",
                Auth::ClaimSingle,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        session: &str,
        user: usize,
        at: i64,
        interactive: bool,
        net: &Net,
        c: Client,
        device_id: &str,
        auth: Auth,
    ) {
        let created = at * 10_000_000 + i64::from(self.rng.u32(0..10_000_000));
        let published = created + self.publication_delay(interactive) * 10_000_000;
        let ingested = published + self.rng.i64(5..120) * 10_000_000;
        let n = self.rows;
        self.rows += 1;
        let request = uuid(self.cfg.seed, &format!("request:{n}"));
        let (requirement, steps) = auth.steps();
        let device = json!({"deviceId": device_id, "operatingSystem": if c.ua.contains("iPhone") || c.ua.contains("iOS") { "Ios" } else { "Windows10" }});
        (self.sink)(json!({
            "Type": if interactive { "SigninLogs" } else { "AADNonInteractiveUserSignInLogs" },
            "TimeGenerated": ticks(published),
            "CreatedDateTime": ticks(created),
            "IngestionTime": ticks(ingested),
            "SessionId": session,
            "UserPrincipalName": format!("user{user:05}@contoso.com"),
            "UserId": uuid(self.cfg.seed, &format!("user:{user}")),
            "IPAddress": net.ip,
            "AutonomousSystemNumber": net.asn.to_string(),
            "UserAgent": c.ua,
            "AppId": c.app,
            "AppDisplayName": c.app_name,
            "ResourceIdentity": EXCHANGE,
            // SigninLogs holds DeviceDetail as an object, the non-interactive table as a JSON string.
            "DeviceDetail": if interactive { device } else { Json::String(device.to_string()) },
            "IsInteractive": interactive,
            "AuthenticationRequirement": requirement,
            "AuthenticationDetails": steps,
            "RiskEventTypes_V2": "[]",
            "ResultType": "0",
            "Location": "US",
            "CorrelationId": uuid(self.cfg.seed, &format!("correlation:{n}")),
            "UniqueTokenIdentifier": request.replace('-', ""),
            "Id": request,
            "IncomingTokenType": if interactive { "none" } else { "refreshToken" },
            "TokenIssuerType": "AzureAD",
        }));
    }
}

#[derive(Clone, Copy)]
enum Auth {
    /// Password and an Authenticator push: MFA performed.
    Mfa,
    /// MFA satisfied by a claim in the token (a refresh, or a PRT-backed sign-in).
    ClaimMfa,
    /// A single-factor requirement satisfied by a claim (service refreshes).
    ClaimSingle,
}

impl Auth {
    fn steps(self) -> (&'static str, &'static str) {
        match self {
            Auth::Mfa => (
                "multiFactorAuthentication",
                r#"[{"authenticationMethod":"Password","succeeded":true,"authenticationStepResultDetail":"Correct password"},{"authenticationMethod":"Mobile app notification","succeeded":true,"authenticationStepResultDetail":"MFA successfully completed"}]"#,
            ),
            Auth::ClaimMfa => (
                "multiFactorAuthentication",
                r#"[{"authenticationMethod":"Previously satisfied","succeeded":true,"authenticationStepResultDetail":"MFA requirement satisfied by claim in the token"}]"#,
            ),
            Auth::ClaimSingle => (
                "singleFactorAuthentication",
                r#"[{"authenticationMethod":"Previously satisfied","succeeded":true,"authenticationStepResultDetail":"First factor requirement satisfied by claim in the token"}]"#,
            ),
        }
    }
}

fn uuid(seed: u64, name: &str) -> String {
    let ns = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("https://tokenward.invalid/synth/{seed}").as_bytes(),
    );
    uuid::Uuid::new_v5(&ns, name.as_bytes()).to_string()
}

/// 100 ns ticks since the epoch, as Log Analytics writes datetimes (7 fractional digits).
fn ticks(t: i64) -> String {
    let ts = jiff::Timestamp::from_nanosecond(i128::from(t) * 100)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string()
}
