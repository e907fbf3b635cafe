#!/usr/bin/env python3
"""Writes the test fixtures of the bundled rules (Python 3.11, standard library only).

Each scenario below is described ONCE, as a short list of sign-ins (and Identity Protection detections) in a
neutral form. This script renders every scenario of every rule in the two shapes tokenward reads:

  <rule>/<scenario>.sentinel.json  Log Analytics export rows: SigninLogs and AADNonInteractiveUserSignInLogs
                                   column names (DeviceDetail, LocationDetails, Status, MfaDetail and
                                   ConditionalAccessPolicies are objects in SigninLogs rows and JSON strings
                                   in non-interactive rows; AuthenticationDetails and RiskEventTypes_V2 are
                                   JSON strings), AADUserRiskEvents rows for detections, and the column the
                                   export adds with `extend IngestionTime = ingestion_time()`
  <rule>/<scenario>.splunk.json    Splunk events of sourcetype azure:monitor:aad: raw Azure Monitor records
                                   (the envelope, the record under `properties`) or, where a scenario needs
                                   what only a search shows (`_indextime`, extraction limits), a search
                                   export: `_time`, `_indextime`, `_raw` and the flattened fields automatic
                                   JSON extraction keeps (none past its 5,000-byte extraction cutoff)
  <rule>/expected.yaml             what the rule must make of each scenario, with the model's analysis of
                                   every pair (times, signals, score, suppression, severity, emitting run)

and rewrites the `tests:` block at the end of rules/<rule>.yaml (only that block) from the same scenarios.

Times. Every sign-in has three: its own time (CreatedDateTime / properties.createdDateTime: orders events and
measures the window), its publication time (TimeGenerated / the envelope's `time`, Splunk `_time`: the
lookback reads it) and its ingestion time (IngestionTime / `_indextime`: each scheduled run emits what its
15-minute slice completes). By default a SigninLogs row is stamped 2.5 to 5 minutes after the sign-in, a
non-interactive row 5 to 10 minutes after (that pipeline batches), and ingestion follows 20 to 100 seconds
later; the jitter comes from uuid5 of the event's name. Scenarios about time give every instant explicitly.

Nothing is random: identifiers are uuid5 values of fixed names, times are fixed. Output is JSON with 2-space
indentation and sorted keys (the JSON inside `_raw` keeps Azure Monitor's own key order, as Splunk stores it).

Self-check, before anything is written: every rendered row and event is read back the way the target
profiles map them (profiles/sentinel.yaml, profiles/splunk.yaml, with the `_raw` fallback of the Splunk
reader), both shapes must give the same canonical sign-ins, and an independent model of each rule (written
here from the rule's semantics; window, anchor, weights, min_score, lists, client families, risk events and
the schedule are read from the rule and list files, and the rule's conditions must still read as the model
implements them) simulates the scheduled runs and judges every case as `tokenward test` should, including
the exactly-once emission, severity and signals. It then applies each mutation that tests/it/rule_tests.rs
makes and checks that exactly the cases the Rust tests name fail. Any disagreement stops the script before
it writes a byte.

Usage: python3 rules/tests/generate.py            (from anywhere; paths are relative to this file)
       python3 rules/tests/generate.py --check    (self-check and compare with the files on disk)
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import sys
import textwrap
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE.parent
REPO = RULES.parent
AITM = "aitm-session-replay"
HOSTING = "mfa-from-hosting-infrastructure"

# --------------------------------------------------------------------------------------------------------
# Identifiers: uuid5 of fixed names, so every run writes the same bytes. (The namespace predates the second
# rule; the AiTM scenarios keep their names, so their session ids stay what they were.)
# --------------------------------------------------------------------------------------------------------
NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://tokenward.invalid/fixtures/aitm-session-replay")


def gid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def request_id(name: str) -> str:
    # Entra request ids usually end in 00 (e.g. ...f06b2d00); keep that look.
    b = bytearray(uuid.uuid5(NS, "request:" + name).bytes)
    b[15] = 0
    return str(uuid.UUID(bytes=bytes(b)))


def unique_token_identifier(req_id: str) -> str:
    # Entra's uniqueTokenIdentifier is the request id's GUID bytes (little-endian layout), base64url, no padding.
    return base64.urlsafe_b64encode(uuid.UUID(req_id).bytes_le).rstrip(b"=").decode()


def h64(name: str) -> int:
    """A stable 64-bit number for jitter (not random: the same name always gives the same number)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


TENANT_ID = gid("tenant:contoso.com")  # the fictional contoso.com Entra tenant
WORKSPACE_ID = gid("workspace:contoso-sentinel")  # Log Analytics `TenantId` is the workspace id
AADIAM = f"/tenants/{TENANT_ID}/providers/Microsoft.aadiam"

# --------------------------------------------------------------------------------------------------------
# Catalogues the scenarios refer to.
# --------------------------------------------------------------------------------------------------------
USERS = {
    "megan": ("Megan Bowen", "megan.bowen@contoso.com"),
    "adele": ("Adele Vance", "adele.vance@contoso.com"),
    "alex": ("Alex Wilber", "alex.wilber@contoso.com"),
    "johanna": ("Johanna Lorenz", "johanna.lorenz@contoso.com"),
    "diego": ("Diego Siciliani", "diego.siciliani@contoso.com"),
    "lynne": ("Lynne Robbins", "lynne.robbins@contoso.com"),
    "grady": ("Grady Archie", "grady.archie@contoso.com"),
    "isaiah": ("Isaiah Langer", "isaiah.langer@contoso.com"),
    "lee": ("Lee Gu", "lee.gu@contoso.com"),
    "nestor": ("Nestor Wilke", "nestor.wilke@contoso.com"),
    "patti": ("Patti Fernandez", "patti.fernandez@contoso.com"),
    "pradeep": ("Pradeep Gupta", "pradeep.gupta@contoso.com"),
    "miriam": ("Miriam Graham", "miriam.graham@contoso.com"),
    "joni": ("Joni Sherman", "joni.sherman@contoso.com"),
    "christie": ("Christie Cline", "christie.cline@contoso.com"),
    "henrietta": ("Henrietta Mueller", "henrietta.mueller@contoso.com"),
    "irvin": ("Irvin Sayers", "irvin.sayers@contoso.com"),
    "lidia": ("Lidia Holloway", "lidia.holloway@contoso.com"),
    "allan": ("Allan Deyoung", "allan.deyoung@contoso.com"),
    "enrico": ("Enrico Cattaneo", "enrico.cattaneo@contoso.com"),
    "debra": ("Debra Berger", "debra.berger@contoso.com"),
    "gerhart": ("Gerhart Moller", "gerhart.moller@contoso.com"),
    "cameron": ("Cameron White", "cameron.white@contoso.com"),
    "brian": ("Brian Johnson", "brian.johnson@contoso.com"),
    "emily": ("Emily Braun", "emily.braun@contoso.com"),
}

# Networks: ASN and where Entra geolocates the address. The IP is given per event.
NETWORKS = {
    # Residential / business broadband
    "comcast-bellevue": (7922, "US", "Bellevue", "Washington", 47.6101, -122.2015),
    "comcast-seattle": (7922, "US", "Seattle", "Washington", 47.6062, -122.3321),
    "comcast-chicago": (7922, "US", "Chicago", "Illinois", 41.8781, -87.6298),
    "comcast-sunnyvale": (7922, "US", "Sunnyvale", "California", 37.3688, -122.0363),
    "comcast-denver": (7922, "US", "Denver", "Colorado", 39.7392, -104.9903),
    "comcast-atlanta": (7922, "US", "Atlanta", "Georgia", 33.7490, -84.3880),
    "comcast-philadelphia": (7922, "US", "Philadelphia", "Pennsylvania", 39.9526, -75.1652),
    "comcast-boston": (7922, "US", "Boston", "Massachusetts", 42.3601, -71.0589),
    "comcast-houston": (7922, "US", "Houston", "Texas", 29.7604, -95.3698),
    "comcast-nashville": (7922, "US", "Nashville", "Tennessee", 36.1627, -86.7816),
    "dtag-frankfurt": (3320, "DE", "Frankfurt am Main", "Hessen", 50.1109, 8.6821),
    "verizon-fios-arlington": (701, "US", "Arlington", "Virginia", 38.8816, -77.0910),
    "wave-seattle": (11404, "US", "Seattle", "Washington", 47.6062, -122.3321),
    # Mobile carriers (CGNAT)
    "tmobile-seattle": (21928, "US", "Seattle", "Washington", 47.6062, -122.3321),
    "tmobile-dallas": (21928, "US", "Dallas", "Texas", 32.7767, -96.7970),
    "tmobile-denver": (21928, "US", "Denver", "Colorado", 39.7392, -104.9903),
    "tmobile-portland": (21928, "US", "Portland", "Oregon", 45.5152, -122.6784),
    "att-mobility-seattle": (20057, "US", "Seattle", "Washington", 47.6062, -122.3321),
    # Hosting and VPS
    "digitalocean-santaclara": (14061, "US", "Santa Clara", "California", 37.3541, -121.9552),
    "digitalocean-northbergen": (14061, "US", "North Bergen", "New Jersey", 40.8043, -74.0121),
    "digitalocean-sanfrancisco": (14061, "US", "San Francisco", "California", 37.7749, -122.4194),
    "digitalocean-toronto": (14061, "CA", "Toronto", "Ontario", 43.6532, -79.3832),
    "ovh-roubaix": (16276, "FR", "Roubaix", "Hauts-de-France", 50.6942, 3.1746),
    "vultr-piscataway": (20473, "US", "Piscataway", "New Jersey", 40.4993, -74.3990),
    "hetzner-falkenstein": (24940, "DE", "Falkenstein", "Saxony", 50.4779, 12.3713),
    "scaleway-paris": (12876, "FR", "Paris", "Ile-de-France", 48.8566, 2.3522),
    "stark-amsterdam": (44477, "NL", "Amsterdam", "North Holland", 52.3676, 4.9041),
    "amazon-ashburn": (14618, "US", "Ashburn", "Virginia", 39.0438, -77.4874),
    # Proxy and VPN exits
    "cloudflare-workers-newark": (13335, "US", "Newark", "New Jersey", 40.7357, -74.1724),
    "cloudflare-warp-atlanta": (13335, "US", "Atlanta", "Georgia", 33.7490, -84.3880),
    "m247-seattle": (9009, "US", "Seattle", "Washington", 47.6062, -122.3321),
    # Corporate egress. 192.0.2.0/24 and 203.0.113.0/24 are the placeholder corp_egress_cidrs ranges (RFC
    # 5737); the VPN concentrators get the matching documentation ASN (RFC 5398), since no real network
    # announces either. The cloud desktops' 192.0.2.0/24 stands for the Elastic IPs a site would list, so
    # they keep the ASN Entra reports for Amazon's address space.
    "contoso-vpn-chicago": (64496, "US", "Chicago", "Illinois", 41.8781, -87.6298),
    "contoso-vpn-boston": (64496, "US", "Boston", "Massachusetts", 42.3601, -71.0589),
    "contoso-workspaces-ashburn": (16509, "US", "Ashburn", "Virginia", 39.0438, -77.4874),
    # The tenant's dedicated Zscaler egress: 198.51.100.0/24 is the placeholder tenant_sase_cidrs range (RFC
    # 5737) standing for dedicated IPs, which Zscaler announces from its own ASN.
    "zscaler-dedicated-frankfurt": (53813, "DE", "Frankfurt am Main", "Hessen", 50.1109, 8.6821),
    # Microsoft
    "microsoft-boydton": (8075, "US", "Boydton", "Virginia", 36.6676, -78.3875),
}

# Clients: user agent, and what Entra derives from it for DeviceDetail and ClientAppUsed.
EDGE_131_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
CHROME_131_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HEADLESS_131_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/131.0.0.0 Safari/537.36"
)
SAFARI_IOS_18 = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
# Outlook for Android signs in in an Android System WebView ("; wv"), which reports itself as Chrome.
ANDROID_WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240905.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/131.0.6778.135 Mobile Safari/537.36"
)
# New Teams (WebView2) on Windows; the Teams/ token puts it in the `teams` family ahead of `edge`.
TEAMS_DESKTOP = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 Teams/24295.605.3225.8804/49"
)

CLIENTS = {
    #  name:            (user agent, operatingSystem, browser, ClientAppUsed)
    "edge-win": (EDGE_131_WIN, "Windows10", "Edge 131.0.0", "Browser"),
    "chrome-win": (CHROME_131_WIN, "Windows10", "Chrome 131.0.0", "Browser"),
    "headless-chrome": (HEADLESS_131_WIN, "Windows10", "Chrome 131.0.0", "Browser"),
    "safari-ios": (SAFARI_IOS_18, "Ios", "Mobile Safari 18.1", "Browser"),
    "safari-ios-sheet": (SAFARI_IOS_18, "Ios", "Mobile Safari 18.1", "Mobile Apps and Desktop clients"),
    "outlook-ios": ("Outlook-iOS/2.0", "Ios", "Rich Client 1.6.2", "Mobile Apps and Desktop clients"),
    "android-webview": (ANDROID_WEBVIEW, "Android", "Chrome Mobile 131.0.6778", "Mobile Apps and Desktop clients"),
    "outlook-android": ("Outlook-Android/2.0", "Android", "Rich Client 5.2.4", "Mobile Apps and Desktop clients"),
    # lists/ua_families.yaml: okhttp/ "is also used by legitimate Android apps" (it is in the `java` family).
    "okhttp-android": ("okhttp/4.12.0", "Android", "", "Mobile Apps and Desktop clients"),
    "outlook-desktop": (
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)",
        "Windows10",
        "Rich Client 4.66.1.0",
        "Mobile Apps and Desktop clients",
    ),
    "teams-desktop": (TEAMS_DESKTOP, "Windows10", "Rich Client 4.66.1.0", "Mobile Apps and Desktop clients"),
    "python-requests": ("python-requests/2.32.3", "", "Python Requests 2.32", "Mobile Apps and Desktop clients"),
    "aiohttp": ("Python/3.12 aiohttp/3.10.10", "", "", "Mobile Apps and Desktop clients"),
    "go-http": ("Go-http-client/2.0", "", "", "Mobile Apps and Desktop clients"),
    "msal-pkeyauth": ("Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0", "", "", "Mobile Apps and Desktop clients"),
}

APPS = {  # client applications (AppId)
    "officehome": ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    "outlook-mobile": ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    "onedrive": ("b26aadf8-566f-4478-926f-589f601d9c74", "OneDrive"),
    "teams": ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    "microsoft-office": ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    "exchange-online": ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    "sharepoint-online": ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    "one-outlook-web": ("9199bf20-a13f-4107-85dc-02114787ef48", "One Outlook Web"),
    "azure-portal": ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
}
RESOURCES = {  # resources (ResourceIdentity / resourceId)
    "officehome": ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    "exchange-online": ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    "sharepoint-online": ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    "graph": ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    "azure-management": ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"),
}

DEVICES = {  # registered devices: (display name, trustType, isCompliant, isManaged, operatingSystem override)
    "megan-laptop": ("CONTOSO-LT-0412", "Azure AD joined", True, True),
    "adele-laptop": ("CONTOSO-LT-0977", "Azure AD joined", True, True),
    "alex-laptop": ("CONTOSO-LT-1260", "Azure AD joined", True, True),
    "johanna-laptop": ("CONTOSO-FRA-LT-031", "Hybrid Azure AD joined", True, True),
    "lynne-laptop": ("CONTOSO-LT-1534", "Azure AD joined", True, True),
    "grady-laptop": ("CONTOSO-LT-2208", "Azure AD joined", True, True),
    "grady-desktop": ("CONTOSO-DT-0319", "Azure AD joined", True, True),
    "grady-iphone": ("Grady's iPhone", "Azure AD registered", True, True),
    "isaiah-laptop": ("CONTOSO-LT-2741", "Azure AD joined", True, True),
    "lee-laptop": ("CONTOSO-LT-3088", "Azure AD joined", True, True),
    "nestor-laptop": ("CONTOSO-LT-3415", "Azure AD joined", True, True),
    "miriam-laptop": ("CONTOSO-LT-3702", "Azure AD joined", True, True),
    "christie-laptop": ("CONTOSO-LT-3960", "Azure AD joined", True, True),
    "henrietta-laptop": ("CONTOSO-LT-4127", "Azure AD joined", True, True),
    "irvin-laptop": ("CONTOSO-LT-4385", "Azure AD joined", True, True),
    "lidia-laptop": ("CONTOSO-LT-4519", "Azure AD joined", True, True),
    "allan-laptop": ("CONTOSO-LT-4806", "Hybrid Azure AD joined", True, True),
    "debra-laptop": ("CONTOSO-LT-5033", "Azure AD joined", True, True),
    "emily-laptop": ("CONTOSO-LT-5291", "Azure AD joined", True, True),
    "brian-workspace": ("WSAMZN-7Q2K4D1B", "Hybrid Azure AD joined", True, True),
}

# authenticationDetails patterns: (method, methodDetail or None, resultDetail, stepRequirement,
# seconds after the sign-in, StatusSequence, RequestSequence). A key that is None is left out of the step,
# as Entra does (see the shared Splunk sample, whose second step has no authenticationMethod).
AUTH = {
    "password+push": [
        ("Password", "Password in the cloud", "Correct password", "Primary authentication", 0.0, 0, 1),
        ("Mobile app notification", None, "MFA successfully completed", "Multifactor authentication", 11.4, 0, 1),
    ],
    "password+otp": [
        ("Password", "Password in the cloud", "Correct password", "Primary authentication", 0.0, 0, 1),
        ("OATH verification code", "Microsoft Authenticator app", "MFA successfully completed",
         "Multifactor authentication", 19.2, 0, 1),
    ],
    "password+sms": [
        ("Password", "Password in the cloud", "Correct password", "Primary authentication", 0.0, 0, 1),
        ("Text message", None, "MFA completed in Entra ID", "Multifactor authentication", 27.8, 0, 1),
    ],
    # A step-up in a live session: the first factor comes from the session's claim, MFA is performed now.
    "claim-1fa+push": [
        ("Previously satisfied", None, "First factor requirement satisfied by claim in the token",
         "Primary authentication", 0.0, 0, 0),
        ("Mobile app notification", None, "MFA successfully completed", "Multifactor authentication", 9.6, 0, 1),
    ],
    "claim-mfa": [
        ("Previously satisfied", None, "MFA requirement satisfied by claim in the token",
         "Primary authentication", 0.0, 0, 0),
    ],
    "claim-1fa": [
        ("Previously satisfied", None, "First factor requirement satisfied by claim in the token",
         "Primary authentication", 0.0, 0, 0),
    ],
}
AUTH_REQUIREMENT = {
    "password+push": "multiFactorAuthentication",
    "password+otp": "multiFactorAuthentication",
    "password+sms": "multiFactorAuthentication",
    "claim-1fa+push": "multiFactorAuthentication",
    "claim-mfa": "multiFactorAuthentication",
    "claim-1fa": "singleFactorAuthentication",
}

# Conditional Access policies. Every sign-in carries the tenant's baseline pair; the "enterprise" set is a
# large tenant's 36 policies (a persona-based framework, many in report-only), which is what pushes a
# sign-in record past 12 KB.
BASELINE_POLICIES = [
    ("CA001: Require multifactor authentication for all users", ["Mfa"], [], "success", 3, 0),
    ("CA002: Block legacy authentication", ["Block"], [], "notApplied", 3, 8),
]
_PERSONAS = ["Global", "Admins", "Internals", "Externals", "Guests", "GuestAdmins", "Microsoft365ServiceAccounts",
             "AzureServiceAccounts", "CorpServiceAccounts", "WorkloadIdentities", "Developers"]
_CONTROLS = [
    ("BaseProtection-AllApps-AnyPlatform-MFA", ["Mfa"], [], "success", 3, 0),
    ("IdentityProtection-AllApps-AnyPlatform-CombinedRegistration", ["Mfa"], [], "notApplied", 1, 2),
    ("AttackSurfaceReduction-AllApps-AnyPlatform-BlockUnknownPlatforms", ["Block"], [], "notApplied", 1, 4),
    ("Compliance-AllApps-WindowsMacOS-RequireCompliantDevice", ["RequireCompliantDevice"], [],
     "reportOnlySuccess", 7, 0),
    ("DataProtection-O365-AnyPlatform-SessionSignInFrequency", [], ["SignInFrequency"], "reportOnlySuccess", 3, 0),
    ("AppProtection-O365-iOSAndroid-RequireAppProtectionPolicy", ["RequireCompliantApp"], [],
     "reportOnlyNotApplied", 1, 4),
]


def enterprise_policies() -> list[tuple]:
    out = []
    n = 0
    for persona in _PERSONAS:
        for control in _CONTROLS:
            if len(out) == 36:
                return out
            n += 1
            name, grant, session_ctl, result, sat, notsat = control
            if persona != "Global" and result == "success":
                result = "notApplied"  # the user is not in that persona's group
                notsat = 2
            out.append((f"CA{n:03d}-{persona}-{name}", grant, session_ctl, result, sat, notsat))
    return out


def policies_json(kind: str) -> list[dict]:
    rows = BASELINE_POLICIES if kind == "baseline" else enterprise_policies()
    out = []
    for name, grant, session_ctl, result, sat, notsat in rows:
        out.append({
            "id": gid("ca-policy:" + name),
            "displayName": name,
            "enforcedGrantControls": list(grant),
            "enforcedSessionControls": list(session_ctl),
            "result": result,
            "conditionsSatisfied": sat,
            "conditionsNotSatisfied": notsat,
        })
    return out

# --------------------------------------------------------------------------------------------------------
# The scenarios, per rule. Each sign-in:
#   id           name inside the scenario (seeds its request and correlation ids)
#   at           the sign-in's own time (CreatedDateTime), ISO 8601 UTC with 7 fractional digits
#   tg, ingested optional: TimeGenerated and ingestion time; by default derived from `at` (see the docstring)
#   session      session name inside the scenario (SessionId = uuid5 of scenario/session); None = "" (empty)
#   user, interactive, ip, net, client, device (None = unregistered, deviceId ""), app, resource
#   auth         an AUTH pattern; auth_missing=True drops authenticationDetails entirely (Sentinel "" /
#                Splunk: no key) while the rest of the sign-in (requirement, MfaDetail) stays as it was
#   token        IncomingTokenType (default "none")
#   policies     "baseline" (default) or "enterprise"
# An Identity Protection detection: kind="detection", of=<the sign-in's id>, risk, detected, tg, ingested.
# A scenario's `splunk` is "raw" (Azure Monitor records, the default) or "export" (a search export).
# Reasons name the numbers that decide them; expected.yaml lists the model's analysis of every pair so the
# numbers can be checked. "@RAW_BYTES@" in a reason is replaced by the size of the scenario's largest record.
# --------------------------------------------------------------------------------------------------------
AITM_SCENARIOS = [
    {
        "name": "aitm-hosting-replay",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device", "user_agent"],
        "reason": (
            "The non-interactive sign-in 20m15s after the MFA issuance of the same SessionId is a use; against "
            "that issuance it scores 4: user_agent (python, a scripted family, vs edge) 1, asn (14061 vs 7922) 1 "
            "and device (the laptop's id on the issuance, none on the use) 2. No suppression matches "
            "159.223.131.48 (not corporate, tenant SASE or Microsoft space, no device id), and AS14061 in "
            "hosting_asns raises the severity from medium to high."
        ),
        "events": [
            # Megan signs in to office.com in Edge on her Entra-joined laptop at home and approves a push.
            dict(id="issue", at="2026-11-03T09:12:04.1834417Z", session="main", user="megan", interactive=True,
                 ip="73.221.148.37", net="comcast-bellevue", client="edge-win", device="megan-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +20m15s: the stolen session cookie is redeemed by a script on a DigitalOcean droplet for the
            # Microsoft Office client against Exchange Online.
            dict(id="replay", at="2026-11-03T09:32:19.7702154Z", session="main", user="megan", interactive=False,
                 ip="159.223.131.48", net="digitalocean-santaclara", client="python-requests", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "spoofed-user-agent",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device"],
        "reason": (
            "The replay 17m06s after the MFA issuance sends the victim's exact Edge user agent, so user_agent "
            "stays silent, but asn (16276 vs 7922) 1 and device (none vs the laptop's) 2 score 3, above min_score "
            "2; no suppression matches the OVH address 51.75.64.191, and AS16276 in hosting_asns raises the "
            "severity to high."
        ),
        "events": [
            dict(id="issue", at="2026-11-05T14:03:51.5520318Z", session="main", user="adele", interactive=True,
                 ip="73.53.201.166", net="comcast-seattle", client="edge-win", device="adele-laptop",
                 app="officehome", resource="officehome", auth="password+otp"),
            # +17m: same cookie replayed from an OVH server with the user agent the kit captured.
            dict(id="replay", at="2026-11-05T14:20:58.0947712Z", session="main", user="adele", interactive=False,
                 ip="51.75.64.191", net="ovh-roubaix", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="claim-mfa"),
        ],
    },
    {
        "name": "split-tunnel-vpn",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "After Alex's MFA at home (Comcast AS7922, Edge, his laptop's device id) both uses leave through the "
            "corporate VPN at 203.0.113.25 (AS64496). Teams' refresh 15m13s later scores 1 (asn 64496 vs 7922; "
            "teams is a client family, so no user_agent; the laptop's own device id, so no device) and same-device "
            "would drop it anyway. Outlook on the web renews its token 21m45s later from MSAL.js in the browser, "
            "without a device id: asn 1 + device 2 = 3, and only corporate-egress drops it (203.0.113.25 is in "
            "corp_egress_cidrs 203.0.113.0/24)."
        ),
        "events": [
            # Alex signs in at home before connecting the VPN.
            dict(id="issue", at="2026-11-09T14:41:27.3310954Z", session="main", user="alex", interactive=True,
                 ip="73.44.187.92", net="comcast-chicago", client="edge-win", device="alex-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +15m: VPN connected; identity traffic is not in the split-tunnel exclusions, so Teams' token
            # refresh leaves through the corporate VPN concentrator.
            dict(id="teams-refresh", at="2026-11-09T14:56:40.8812036Z", session="main", user="alex",
                 interactive=False, ip="203.0.113.25", net="contoso-vpn-chicago", client="teams-desktop",
                 device="alex-laptop", app="teams", resource="graph", auth="claim-mfa",
                 token="primaryRefreshToken"),
            # +21m: Outlook on the web's single-page app renews its Exchange token from JavaScript.
            dict(id="owa-refresh", at="2026-11-09T15:03:12.5520941Z", session="main", user="alex",
                 interactive=False, ip="203.0.113.25", net="contoso-vpn-chicago", client="edge-win",
                 device=None, app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "teams-via-tenant-sase",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Johanna's MFA was at the Frankfurt office on Deutsche Telekom (80.153.114.26, AS3320), where Zscaler "
            "Client Connector leaves trusted-network traffic direct; later both uses leave through the tenant's "
            "dedicated Zscaler egress 198.51.100.37 (AS53813). Teams' refresh 10m23s after the MFA, on the same "
            "laptop, scores 1 (asn 53813 vs 3320; teams is a client family; same device id) and matches both "
            "tenant-sase-egress and same-device. Outlook on the web's renewal 17m38s after it carries no device "
            "id: asn 1 + device 2 = 3, dropped only by tenant-sase-egress (198.51.100.37 in tenant_sase_cidrs "
            "198.51.100.0/24). The vendor's ASN is no reason to drop anything: every Zscaler customer, an "
            "attacker's trial tenant included, shares AS53813."
        ),
        "events": [
            dict(id="issue", at="2026-11-10T07:55:09.6604123Z", session="main", user="johanna", interactive=True,
                 ip="80.153.114.26", net="dtag-frankfurt", client="edge-win", device="johanna-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +10m: she leaves the office and tethers; the connector tunnels again.
            dict(id="teams-refresh", at="2026-11-10T08:05:33.2081590Z", session="main", user="johanna",
                 interactive=False, ip="198.51.100.37", net="zscaler-dedicated-frankfurt", client="teams-desktop",
                 device="johanna-laptop", app="teams", resource="graph", auth="claim-mfa",
                 token="primaryRefreshToken"),
            dict(id="owa-refresh", at="2026-11-10T08:12:47.9034411Z", session="main", user="johanna",
                 interactive=False, ip="198.51.100.37", net="zscaler-dedicated-frankfurt", client="edge-win",
                 device=None, app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "outlook-mobile-carrier",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Diego adds his account to Outlook on an unregistered Android phone (no device id): MFA in the sign-in "
            "WebView (chrome family) over T-Mobile AS21928. Every use pairs with that issuance. Outlook's refresh "
            "6m14s later on T-Mobile scores 0 (outlook-mobile is a client family, same ASN, no device on either "
            "side); its refresh 22m38s later on AT&T Mobility AS20057 scores 1 (asn). The OneDrive app redeems "
            "the family refresh token 31m02s after the MFA on AT&T with okhttp (java, not a client family): "
            "user_agent 1 + asn 1 = 2, dropped only by first-party-mobile-on-carrier, because app id "
            "b26aadf8-566f-4478-926f-589f601d9c74 is in first_party_mobile_apps, AS20057 and the issuance's "
            "AS21928 are in carrier_asns, and the issuance had no device id."
        ),
        "events": [
            dict(id="issue", at="2026-11-12T16:20:33.9127405Z", session="main", user="diego", interactive=True,
                 ip="172.56.29.114", net="tmobile-seattle", client="android-webview", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="password+sms"),
            # +6m: first refresh, new CGNAT address, same carrier.
            dict(id="refresh-1", at="2026-11-12T16:26:48.4410382Z", session="main", user="diego",
                 interactive=False, ip="172.56.31.6", net="tmobile-seattle", client="outlook-android", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
            # +22m and +31m: the dual-SIM phone has switched cellular data to its AT&T line.
            dict(id="refresh-2", at="2026-11-12T16:43:12.0056221Z", session="main", user="diego",
                 interactive=False, ip="107.77.213.40", net="att-mobility-seattle", client="outlook-android",
                 device=None, app="outlook-mobile", resource="graph", auth="claim-mfa"),
            dict(id="onedrive-refresh", at="2026-11-12T16:51:36.2264097Z", session="main", user="diego",
                 interactive=False, ip="107.77.198.9", net="att-mobility-seattle", client="okhttp-android",
                 device=None, app="onedrive", resource="sharepoint-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "residential-proxy-on-carrier",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "medium",
        "signals": ["asn", "device", "user_agent"],
        "reason": (
            "25m06s after Lynne's MFA on her Comcast laptop, a script (python-requests) redeems the stolen session "
            "as the Outlook Mobile app (27922004-5251-4030-b22d-91ecd9a37ea4, in first_party_mobile_apps) through "
            "a residential proxy exit on T-Mobile (172.58.100.14, AS21928, in carrier_asns): user_agent (python vs "
            "edge) 1 + asn (21928 vs 7922) 1 + device 2 = 4. first-party-mobile-on-carrier does not apply: the "
            "issuance was on AS7922, not a carrier, and carried the laptop's device id (app id and carrier are the "
            "attacker's choice). AS21928 is in no asn_categories list, so the severity stays medium."
        ),
        "events": [
            dict(id="issue", at="2026-11-16T19:07:45.0238817Z", session="main", user="lynne", interactive=True,
                 ip="73.170.88.241", net="comcast-sunnyvale", client="edge-win", device="lynne-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-11-16T19:32:51.6690142Z", session="main", user="lynne", interactive=False,
                 ip="172.58.100.14", net="tmobile-dallas", client="python-requests", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "three-devices-one-user",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Each device has its own SessionId and every refresh pairs only with its own session's MFA issuance, "
            "with which ua family, ASN and device id agree: score 0 (same-device would drop them too). Pairing "
            "by user instead would alert, e.g. the desktop's 15:47:09 refresh against the phone's 15:41:22 "
            "issuance: user_agent (chrome vs outlook-mobile) 1 + asn (7922 vs 21928) 1 + device (the desktop's "
            "id vs the iPhone's) 2 = 4."
        ),
        "events": [
            # Grady: laptop (Edge) and desktop (Chrome) at home on Comcast, iPhone (Outlook, brokered through
            # Authenticator, so the phone is registered) on T-Mobile. Issuances interleave with refreshes.
            dict(id="laptop-issue", at="2026-11-18T15:02:13.4471920Z", session="laptop", user="grady",
                 interactive=True, ip="73.181.40.17", net="comcast-denver", client="edge-win",
                 device="grady-laptop", app="officehome", resource="officehome", auth="password+push"),
            dict(id="desktop-issue", at="2026-11-18T15:19:37.1029554Z", session="desktop", user="grady",
                 interactive=True, ip="73.181.40.17", net="comcast-denver", client="chrome-win",
                 device="grady-desktop", app="officehome", resource="officehome", auth="password+push"),
            dict(id="laptop-refresh-1", at="2026-11-18T15:31:05.8863107Z", session="laptop", user="grady",
                 interactive=False, ip="73.181.40.17", net="comcast-denver", client="edge-win",
                 device="grady-laptop", app="officehome", resource="sharepoint-online", auth="claim-mfa"),
            dict(id="phone-issue", at="2026-11-18T15:41:22.5508613Z", session="phone", user="grady",
                 interactive=True, ip="172.56.88.19", net="tmobile-denver", client="outlook-ios",
                 device="grady-iphone", app="outlook-mobile", resource="exchange-online", auth="password+push"),
            dict(id="desktop-refresh-1", at="2026-11-18T15:47:09.2214480Z", session="desktop", user="grady",
                 interactive=False, ip="73.181.40.17", net="comcast-denver", client="chrome-win",
                 device="grady-desktop", app="officehome", resource="sharepoint-online", auth="claim-mfa"),
            dict(id="laptop-refresh-2", at="2026-11-18T15:52:44.0097315Z", session="laptop", user="grady",
                 interactive=False, ip="73.181.40.17", net="comcast-denver", client="edge-win",
                 device="grady-laptop", app="officehome", resource="officehome", auth="claim-mfa"),
            dict(id="phone-refresh-1", at="2026-11-18T16:05:18.6642091Z", session="phone", user="grady",
                 interactive=False, ip="172.56.91.230", net="tmobile-denver", client="outlook-ios",
                 device="grady-iphone", app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "replay-after-window",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "The replay (headless Chrome on DigitalOcean AS14061 without a device id; against the issuance it "
            "would score user_agent 1 + asn 1 + device 2 = 4) comes 61m00.68s after the session's only MFA "
            "issuance by the sign-ins' own times, outside the 60m window (0 < later - issuance <= 60m), so it has "
            "no issuance to pair with."
        ),
        "events": [
            dict(id="issue", at="2026-11-20T15:04:11.2210038Z", session="main", user="isaiah", interactive=True,
                 ip="73.207.133.58", net="comcast-atlanta", client="edge-win", device="isaiah-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +61m00.68s
            dict(id="replay", at="2026-11-20T16:05:11.9034418Z", session="main", user="isaiah", interactive=False,
                 ip="167.99.4.213", net="digitalocean-northbergen", client="headless-chrome", device=None,
                 app="officehome", resource="officehome", auth="claim-mfa"),
        ],
    },
    {
        "name": "microsoft-service-refresh",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Exchange Online acquires a Graph token on Lee's behalf 30m03s after the MFA issuance, from "
            "20.190.151.8 (AS8075): user_agent ('other' vs edge; 'other' is no client family) 1 + asn (8075 vs "
            "7922) 1 + device (no device id on the service's request) 2 = 4, but 20.190.151.8 is inside "
            "20.190.128.0/18 in microsoft_service_cidrs, so microsoft-service-egress drops the pair, the only "
            "suppression that matches it."
        ),
        "events": [
            dict(id="issue", at="2026-11-23T18:30:02.7316644Z", session="main", user="lee", interactive=True,
                 ip="73.165.12.204", net="comcast-philadelphia", client="edge-win", device="lee-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +30m: Exchange Online acquires a Graph token on Lee's behalf from Microsoft's own address space.
            dict(id="service-refresh", at="2026-11-23T19:00:06.0481227Z", session="main", user="lee",
                 interactive=False, ip="20.190.151.8", net="microsoft-boydton", client="msal-pkeyauth",
                 device=None, app="exchange-online", resource="graph", auth="claim-1fa"),
        ],
    },
    {
        "name": "auth-details-missing",
        "expect": "no_alert",
        "alert_sessions": [],
        "missing_fields": ["auth_step_results"],
        "reason": (
            "This is a real replay (python-requests on Vultr AS20473 22m14s after the MFA sign-in; it would score "
            "4), but the interactive sign-in arrived without authenticationDetails, so auth_step_results is "
            "absent, `auth_step_results in mfa_performed_results` is false and the rule is blind to the issuance; "
            "the tool has to report auth_step_results absent instead of passing silently (the deployed "
            "counterpart is the auth-details-missing health check)."
        ),
        "events": [
            dict(id="issue", at="2026-11-25T20:48:37.5590271Z", session="main", user="nestor", interactive=True,
                 ip="73.16.245.71", net="comcast-boston", client="edge-win", device="nestor-laptop",
                 app="officehome", resource="officehome", auth="password+push", auth_missing=True),
            dict(id="replay", at="2026-11-25T21:10:52.3307765Z", session="main", user="nestor", interactive=False,
                 ip="45.77.152.19", net="vultr-piscataway", client="python-requests", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "proxied-issuance-same-provider",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["proxied_issuance"],
        "reason": (
            "An Evilginx-style proxy on a DigitalOcean droplet (137.184.57.201, AS14061, in hosting_asns) performs "
            "Patti's MFA sign-in itself, relaying her Edge user agent, so the issuance has no device id. Its two "
            "uses 4m17s and 18m43s later come from another droplet of the same provider (137.184.112.9, AS14061) "
            "with the same Edge user agent and no device id: user_agent, asn and device stay silent (device needs "
            "an issuance with a device id), and proxied_issuance alone (2: issuance ASN in hosting_asns, no device "
            "id) reaches min_score 2. AS14061 in hosting_asns raises the severity to high."
        ),
        "events": [
            dict(id="issue", at="2026-11-26T10:14:22.5061873Z", session="main", user="patti", interactive=True,
                 ip="137.184.57.201", net="digitalocean-sanfrancisco", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="password+otp"),
            dict(id="replay-1", at="2026-11-26T10:18:40.1153207Z", session="main", user="patti", interactive=False,
                 ip="137.184.112.9", net="digitalocean-sanfrancisco", client="edge-win", device=None,
                 app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
            dict(id="replay-2", at="2026-11-26T10:33:05.7741520Z", session="main", user="patti", interactive=False,
                 ip="137.184.112.9", net="digitalocean-sanfrancisco", client="edge-win", device=None,
                 app="officehome", resource="sharepoint-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "proxied-issuance-cloudflare-worker",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "proxied_issuance"],
        "reason": (
            "A Tycoon 2FA-style kit fronted by a Cloudflare Worker relays Pradeep's MFA sign-in, so Entra records "
            "it from 2a06:98c0:3600::103 (AS13335, in proxy_asns) with his Edge user agent and no device id. The "
            "replay 12m16s later from a Stark Industries VPS (94.131.112.54, AS44477, in vps_asns) reuses that "
            "user agent: asn (44477 vs 13335) 1 + proxied_issuance 2 = 3; without proxied_issuance the pair "
            "would score 1 and pass unseen. AS44477 in vps_asns raises the severity to high."
        ),
        "events": [
            dict(id="issue", at="2026-11-27T13:40:11.0425518Z", session="main", user="pradeep", interactive=True,
                 ip="2a06:98c0:3600::103", net="cloudflare-workers-newark", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-11-27T13:52:27.8810934Z", session="main", user="pradeep", interactive=False,
                 ip="94.131.112.54", net="stark-amsterdam", client="edge-win", device=None,
                 app="officehome", resource="graph", auth="claim-mfa"),
        ],
    },
    {
        "name": "stolen-cookie-import",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "medium",
        "signals": ["asn", "device", "user_agent"],
        "reason": (
            "Miriam performs MFA twice in one session on her Entra-joined laptop (Edge, device id): at 08:41:17 at "
            "home (Comcast AS7922) and at 09:03:52 as a step-up for the Azure portal on the corporate VPN "
            "(203.0.113.61, AS64496; the step-up's first factor came from the session's claim, so it is also a use, "
            "scoring 1 on the same device). An infostealer takes the session cookie and at 09:36:40 the attacker "
            "imports it into Chrome behind a Comcast residential proxy (73.38.150.212, AS7922, no device id): an "
            "interactive sign-in with 'MFA requirement satisfied by claim in the token' / 'Previously satisfied', "
            "a use and never an issuance. It pairs with the latest issuance, the step-up 32m47s earlier: "
            "user_agent (chrome vs edge) 1 + asn (7922 vs 64496) 1 + device 2 = 4, no suppression, medium (AS7922 "
            "is in no category). Anchoring on the first issuance (55m22s earlier, also AS7922) would show only "
            "[device, user_agent]; a later condition without the claim-reuse arm would miss the import entirely, "
            "because the browser's refreshes at 10:05:12 and 10:21:33 come 61m20s and 77m40s after the last MFA, "
            "outside the 60m window: the import is the one use the rule can pair."
        ),
        "events": [
            dict(id="home-mfa", at="2026-12-01T08:41:17.2209386Z", session="main", user="miriam", interactive=True,
                 ip="73.38.112.45", net="comcast-boston", client="edge-win", device="miriam-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="step-up-mfa", at="2026-12-01T09:03:52.6612740Z", session="main", user="miriam",
                 interactive=True, ip="203.0.113.61", net="contoso-vpn-boston", client="edge-win",
                 device="miriam-laptop", app="azure-portal", resource="azure-management", auth="claim-1fa+push"),
            # The attacker's browser: the imported cookie signs in interactively, then refreshes.
            dict(id="cookie-import", at="2026-12-01T09:36:40.1187735Z", session="main", user="miriam",
                 interactive=True, ip="73.38.150.212", net="comcast-boston", client="chrome-win", device=None,
                 app="officehome", resource="officehome", auth="claim-mfa"),
            dict(id="attacker-refresh-1", at="2026-12-01T10:05:12.9930468Z", session="main", user="miriam",
                 interactive=False, ip="73.38.150.212", net="comcast-boston", client="chrome-win", device=None,
                 app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
            dict(id="attacker-refresh-2", at="2026-12-01T10:21:33.4471206Z", session="main", user="miriam",
                 interactive=False, ip="73.38.150.212", net="comcast-boston", client="chrome-win", device=None,
                 app="officehome", resource="sharepoint-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "published-before-issuance",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["proxied_issuance", "user_agent"],
        "reason": (
            "The kit on a Scaleway server (51.158.104.77, AS12876, in hosting_asns) performs Joni's MFA sign-in "
            "with her Edge user agent and no device id, and its aiohttp client redeems the session 6.77 s later "
            "from the same address. The non-interactive pipeline stamps the replay at 15:29:44.71 (TimeGenerated), "
            "3m30s BEFORE the SigninLogs row of its issuance (15:33:15.10); by the sign-ins' own times "
            "(CreatedDateTime 15:27:03.44 and 15:27:10.21) the replay comes after, so the rule pairs them: "
            "user_agent (python vs edge) 1 + proxied_issuance 2 = 3, high (AS12876 in hosting_asns). The 15:45 "
            "run emits the pair once: both rows were ingested (15:30:21 and 15:33:58) in its slice. Ordering by "
            "TimeGenerated would put the replay before its issuance and lose it."
        ),
        "events": [
            dict(id="issue", at="2026-12-02T15:27:03.4418207Z", tg="2026-12-02T15:33:15.0962114Z",
                 ingested="2026-12-02T15:33:58.3310021Z", session="main", user="joni", interactive=True,
                 ip="51.158.104.77", net="scaleway-paris", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="password+otp"),
            dict(id="replay", at="2026-12-02T15:27:10.2093356Z", tg="2026-12-02T15:29:44.7120865Z",
                 ingested="2026-12-02T15:30:21.5047713Z", session="main", user="joni", interactive=False,
                 ip="51.158.104.77", net="scaleway-paris", client="aiohttp", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "consumer-vpn-warp",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device"],
        "reason": (
            "Christie's session is replayed 32m14s after her MFA on her laptop, through Cloudflare WARP, the free "
            "consumer VPN (104.28.207.93, AS13335), with her Edge user agent copied: asn (13335 vs 7922) 1 + "
            "device 2 = 3. AS13335 used to be on sase_asns, whose ASN suppression hid this pair; it is now on "
            "proxy_asns, because anyone can choose WARP, so it labels the pair and raises it to high. Only the "
            "tenant's dedicated SASE addresses (tenant_sase_cidrs) suppress."
        ),
        "events": [
            dict(id="issue", at="2026-12-03T11:05:48.3392011Z", session="main", user="christie", interactive=True,
                 ip="73.207.41.158", net="comcast-atlanta", client="edge-win", device="christie-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-12-03T11:38:02.7720159Z", session="main", user="christie",
                 interactive=False, ip="104.28.207.93", net="cloudflare-warp-atlanta", client="edge-win",
                 device=None, app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "empty-session-id",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Both sign-ins carry SessionId \"\". The replay (python-requests from DigitalOcean 159.203.71.18, no "
            "device id) would score 4 against the MFA sign-in 21m36s earlier, but an empty session id correlates "
            "nothing: the queries drop such rows (isnotempty(SessionId), tw_session_id!=\"\") and the evaluator "
            "skips them, so there is no pair and no alert. The rule cannot see it; the companion health check "
            "session-id-empty reports a table whose share of empty session ids exceeds empty_session_max_share "
            "(0.2) over a day."
        ),
        "events": [
            dict(id="issue", at="2026-12-04T16:02:55.1034458Z", session=None, user="henrietta", interactive=True,
                 ip="73.166.20.91", net="comcast-houston", client="edge-win", device="henrietta-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-12-04T16:24:31.6621907Z", session=None, user="henrietta", interactive=False,
                 ip="159.203.71.18", net="digitalocean-toronto", client="python-requests", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "late-arriving-row",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device", "user_agent"],
        "splunk": "export",
        "reason": (
            "The replay (Go-http-client from Hetzner 5.75.148.33, AS24940, no device id) comes 21m37s after "
            "Irvin's MFA: user_agent (go vs edge) 1 + asn (24940 vs 7922) 1 + device 2 = 4, high (AS24940 in "
            "hosting_asns). Its row is stamped 11:29:21 (TimeGenerated / _time) but ingested only at 12:09:24 "
            "(IngestionTime / _indextime), 40m03s later. The runs at 11:30, 11:45 and 12:00 do not have it yet; "
            "the 12:15 run's slice (12:00, 12:15] holds its ingestion and its 90m lookback on the log time (after "
            "10:45) still reaches both rows (11:05:11 and 11:29:21), so that run emits the pair, exactly once."
        ),
        "events": [
            dict(id="issue", at="2026-12-07T11:02:31.5518246Z", tg="2026-12-07T11:05:11.9040121Z",
                 ingested="2026-12-07T11:05:46.2207334Z", session="main", user="irvin", interactive=True,
                 ip="73.95.214.6", net="comcast-denver", client="edge-win", device="irvin-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-12-07T11:24:09.3380157Z", tg="2026-12-07T11:29:21.6405118Z",
                 ingested="2026-12-07T12:09:24.8716530Z", session="main", user="irvin", interactive=False,
                 ip="5.75.148.33", net="hetzner-falkenstein", client="go-http", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "identity-protection-escalation",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device"],
        "reason": (
            "Lidia's session is replayed 22m31s after her MFA from a residential proxy on Verizon Fios "
            "(108.28.113.62, AS701) with her Edge user agent: asn (701 vs 7922) 1 + device 2 = 3, on its own a "
            "medium alert (AS701 is in no asn_categories list). Identity Protection's offline detection "
            "attackerinTheMiddle on the replay's sign-in (an AADUserRiskEvents row / UserRiskEvents event whose "
            "correlation id is the replay's) is ingested at 14:27:15, before the 14:30 run whose slice (14:15, "
            "14:30] completes the pair and within its 90m lookback, so the pair carries attackerinTheMiddle and is "
            "raised to high. A detection landing after that run could not raise it: each pair is emitted once, "
            "and this one would go out at medium."
        ),
        "events": [
            dict(id="issue", at="2026-12-08T13:47:26.8812203Z", tg="2026-12-08T13:50:02.3370918Z",
                 ingested="2026-12-08T13:50:40.1208816Z", session="main", user="lidia", interactive=True,
                 ip="73.133.207.19", net="comcast-philadelphia", client="edge-win", device="lidia-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="replay", at="2026-12-08T14:09:58.2270634Z", tg="2026-12-08T14:16:12.5560291Z",
                 ingested="2026-12-08T14:16:55.0031744Z", session="main", user="lidia", interactive=False,
                 ip="108.28.113.62", net="verizon-fios-arlington", client="edge-win", device=None,
                 app="officehome", resource="sharepoint-online", auth="claim-mfa"),
            dict(kind="detection", id="aitm-detection", of="replay", risk="attackerinTheMiddle",
                 detected="2026-12-08T14:24:31.0000000Z", tg="2026-12-08T14:26:07.3319120Z",
                 ingested="2026-12-08T14:27:15.6620187Z"),
        ],
    },
    {
        "name": "oversized-splunk-event",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "high",
        "signals": ["asn", "device", "user_agent"],
        "splunk": "export",
        "reason": (
            "Allan's MFA sign-in carries the tenant's 36 Conditional Access policies, so its raw record is "
            "@RAW_BYTES@ bytes. In the Splunk search export, automatic extraction stops at the 5,000-byte "
            "extraction_cutoff inside appliedConditionalAccessPolicies: isInteractive, authenticationDetails, "
            "authenticationRequirement, autonomousSystemNumber and sessionId, which come after the policies, are "
            "not among its flattened fields, and the reader, like the search's "
            "coalesce(field, spath(_raw, path)), takes them from _raw. So the pair alerts as usual: the replay "
            "21m25s later (python-requests on Vultr 45.76.21.160, AS20473, no device id) scores user_agent 1 + "
            "asn 1 + device 2 = 4, high (AS20473 in hosting_asns). The Sentinel shape of the scenario is an "
            "ordinary pair of rows."
        ),
        "events": [
            dict(id="issue", at="2026-12-09T09:30:14.7738105Z", session="main", user="allan", interactive=True,
                 ip="73.120.66.203", net="comcast-nashville", client="edge-win", device="allan-laptop",
                 app="officehome", resource="officehome", auth="password+push", policies="enterprise"),
            dict(id="replay", at="2026-12-09T09:51:40.0921337Z", session="main", user="allan", interactive=False,
                 ip="45.76.21.160", net="vultr-piscataway", client="python-requests", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "phone-on-personal-vpn",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Enrico adds his account to Outlook on an unregistered iPhone: MFA in the Safari sheet over T-Mobile "
            "(AS21928, no device id). He then turns on his personal NordVPN, whose exit is M247 (146.70.117.210, "
            "AS9009, in proxy_asns). Every use pairs with the carrier MFA: Outlook's refresh 7m34s later on "
            "T-Mobile scores 0; a SharePoint link opened in Safari 19m18s later signs in interactively by reusing "
            "the session's claim ('MFA requirement satisfied by claim in the token' / 'Previously satisfied') and "
            "scores 1 (asn 9009 vs 21928; safari on both sides); Outlook's refresh 27m52s later through the VPN "
            "scores 1 (asn; outlook-mobile is a client family; no device id on either side). No alert. The "
            "SharePoint sign-in is a use, never an issuance: if claim reuse could anchor, the last refresh would "
            "pair with it and proxied_issuance (2: AS9009 in proxy_asns, no device id) would alert."
        ),
        "events": [
            dict(id="issue", at="2026-12-10T18:12:09.5521704Z", session="main", user="enrico", interactive=True,
                 ip="172.58.14.201", net="tmobile-seattle", client="safari-ios-sheet", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="password+sms"),
            dict(id="refresh-1", at="2026-12-10T18:19:44.2091138Z", session="main", user="enrico",
                 interactive=False, ip="172.58.19.77", net="tmobile-seattle", client="outlook-ios", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
            dict(id="sharepoint-link", at="2026-12-10T18:31:27.7762015Z", session="main", user="enrico",
                 interactive=True, ip="146.70.117.210", net="m247-seattle", client="safari-ios", device=None,
                 app="sharepoint-online", resource="sharepoint-online", auth="claim-mfa"),
            dict(id="refresh-2", at="2026-12-10T18:40:02.1183390Z", session="main", user="enrico",
                 interactive=False, ip="146.70.117.210", net="m247-seattle", client="outlook-ios", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "same-device-second-browser",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Debra performs MFA in Edge on her Entra-joined laptop at home (Comcast AS7922). Later, on a café's "
            "network (Wave Broadband 24.113.90.17, AS11404), she opens Chrome, which signs in with the laptop's "
            "primary refresh token and so carries the same device id and SessionId: the interactive sign-in "
            "44m35s after the MFA (a claim reuse, so a use) and Chrome's refresh 45m26s after it each score "
            "user_agent (chrome vs edge) 1 + asn (11404 vs 7922) 1 = 2, and only same-device drops them: the use "
            "presents the issuance's device id, which a replay from elsewhere cannot."
        ),
        "events": [
            dict(id="issue", at="2026-12-11T07:50:36.4407219Z", session="main", user="debra", interactive=True,
                 ip="73.97.178.52", net="comcast-seattle", client="edge-win", device="debra-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="chrome-sign-in", at="2026-12-11T08:35:12.0086113Z", session="main", user="debra",
                 interactive=True, ip="24.113.90.17", net="wave-seattle", client="chrome-win",
                 device="debra-laptop", app="officehome", resource="officehome", auth="claim-mfa",
                 token="primaryRefreshToken"),
            dict(id="chrome-refresh", at="2026-12-11T08:36:02.5518830Z", session="main", user="debra",
                 interactive=False, ip="24.113.90.17", net="wave-seattle", client="chrome-win",
                 device="debra-laptop", app="one-outlook-web", resource="exchange-online", auth="claim-mfa"),
        ],
    },
]

HOSTING_SCENARIOS = [
    {
        "name": "kit-proxy-mfa",
        "expect": "alert",
        "alert_sessions": ["main"],
        "severity": "medium",
        "reason": (
            "An AiTM proxy on a DigitalOcean droplet (146.190.220.35, AS14061, in hosting_asns) performs "
            "Gerhart's MFA sign-in, relaying his password, OTP ('MFA successfully completed') and Edge user agent, "
            "without a device id: interactive, ResultType 0, multiFactorAuthentication, MFA performed, hosting "
            "ASN, empty device id, so the rule matches the theft itself, before any replay. Neither suppression "
            "applies (not corporate or tenant SASE egress). The kit's token redemption 6m later is non-interactive "
            "and performs no MFA, so it does not match."
        ),
        "events": [
            dict(id="issue", at="2026-12-14T10:41:53.2207416Z", session="main", user="gerhart", interactive=True,
                 ip="146.190.220.35", net="digitalocean-santaclara", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="password+otp"),
            dict(id="replay", at="2026-12-14T10:47:58.6120933Z", session="main", user="gerhart", interactive=False,
                 ip="146.190.220.35", net="digitalocean-santaclara", client="python-requests", device=None,
                 app="microsoft-office", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "cloud-desktop-corp-egress",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Cameron's Amazon WorkSpaces desktop (not registered, so no device id) signs in with MFA from the "
            "fleet's NAT egress 192.0.2.44, Amazon address space (AS16509, in hosting_asns): the match condition "
            "holds, and corporate-egress drops it because the site lists that egress in corp_egress_cidrs "
            "(192.0.2.0/24), as the rule's description asks for cloud desktops."
        ),
        "events": [
            dict(id="issue", at="2026-12-15T08:03:27.9914206Z", session="main", user="cameron", interactive=True,
                 ip="192.0.2.44", net="contoso-workspaces-ashburn", client="edge-win", device=None,
                 app="officehome", resource="officehome", auth="password+push"),
        ],
    },
    {
        "name": "registered-device-on-hosting",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Brian's hybrid-joined Amazon WorkSpaces desktop signs in with MFA from 3.215.77.140 (AS14618, in "
            "hosting_asns, not in corp_egress_cidrs) and presents its device id (WSAMZN-7Q2K4D1B). An AiTM proxy "
            "cannot present one, so `device_id == \"\"` is false and the rule does not match."
        ),
        "events": [
            dict(id="issue", at="2026-12-16T13:22:40.4471093Z", session="main", user="brian", interactive=True,
                 ip="3.215.77.140", net="amazon-ashburn", client="edge-win", device="brian-workspace",
                 app="officehome", resource="officehome", auth="password+push"),
        ],
    },
    {
        "name": "claim-reuse-from-hosting",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Emily's MFA on her laptop (Comcast AS7922, device id) does not match: not hosting space, device id "
            "present. An attacker imports her session cookie into a browser on a DigitalOcean droplet "
            "(159.89.54.120, AS14061, no device id) 26m later: interactive, but its step result is 'MFA "
            "requirement satisfied by claim in the token', so no MFA was performed, `auth_step_results in "
            "mfa_performed_results` is false and this rule does not match; that use is aitm-session-replay's to "
            "judge."
        ),
        "events": [
            dict(id="issue", at="2026-12-17T09:14:06.7730551Z", session="main", user="emily", interactive=True,
                 ip="73.140.93.8", net="comcast-seattle", client="edge-win", device="emily-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            dict(id="cookie-import", at="2026-12-17T09:40:31.0296414Z", session="main", user="emily",
                 interactive=True, ip="159.89.54.120", net="digitalocean-northbergen", client="chrome-win",
                 device=None, app="officehome", resource="officehome", auth="claim-mfa"),
        ],
    },
]

SCENARIOS = {AITM: AITM_SCENARIOS, HOSTING: HOSTING_SCENARIOS}

# --------------------------------------------------------------------------------------------------------
# Time: integer nanoseconds since the epoch; Log Analytics writes 7 fractional digits (100 ns ticks).
# --------------------------------------------------------------------------------------------------------
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]00:00)$")
NS_PER_S = 1_000_000_000
TICK = 100


def parse_time(text: str) -> int:
    """ISO 8601 UTC (Z or +00:00, up to 9 fractional digits) or epoch seconds, as nanoseconds."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        whole, _, frac = text.partition(".")
        return int(whole) * NS_PER_S + int((frac + "000000000")[:9])
    m = _TIME.match(text)
    if not m:
        raise ValueError(f"time {text!r} is not ISO 8601 UTC")
    base = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    frac = (m.group(2) or "") + "000000000"
    return int(base.timestamp()) * NS_PER_S + int(frac[:9])


def fmt(ns: int, digits: int = 7, suffix: str = "Z") -> str:
    secs, rest = divmod(ns, NS_PER_S)
    base = datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{rest:09d}"[:digits]
    return f"{base}.{frac}{suffix}" if digits else f"{base}{suffix}"


def trunc(ns: int, step: int) -> int:
    return ns - ns % step


def hms(ns: int) -> str:
    """A duration for humans: 20m15.59s, 6.77s, 1h01m00.68s."""
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    cs = (ns + 5_000_000) // 10_000_000  # centiseconds, rounded
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6_000)
    s = f"{rem // 100:02d}.{rem % 100:02d}s" if (h or m) else f"{rem // 100}.{rem % 100:02d}s"
    return sign + (f"{h}h" if h else "") + (f"{m:02d}m" if h else (f"{m}m" if m else "")) + s


def event_times(rule: str, sc: dict, ev: dict) -> tuple[int, int, int]:
    """(CreatedDateTime, TimeGenerated, ingestion time) of a sign-in; the docstring explains the defaults."""
    created = parse_time(ev["at"])
    name = f"{rule}/{sc['name']}/{ev['id']}"
    if "tg" in ev:
        tg = parse_time(ev["tg"])
    else:
        h = h64("published:" + name)
        base, spread = (150, 150) if ev["interactive"] else (300, 300)  # seconds
        tg = created + base * NS_PER_S + (h % (spread * 10_000_000)) * TICK
    if "ingested" in ev:
        ingested = parse_time(ev["ingested"])
    else:
        h = h64("ingested:" + name)
        ingested = tg + 20 * NS_PER_S + (h % (80 * 10_000_000)) * TICK
    if not created <= tg < ingested:
        raise SystemExit(f"{name}: times out of order (created <= published < ingested)")
    return trunc(created, TICK), trunc(tg, TICK), trunc(ingested, TICK)


# --------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------
def compact(obj) -> str:
    """How Log Analytics stores JSON in a string column, and how Event Hub delivers a record: compact."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def session_id(rule: str, sc: dict, session: str | None) -> str:
    if session is None:
        return ""
    # The AiTM scenarios predate the second rule: their names stay unprefixed, so their ids stay stable.
    prefix = "" if rule == AITM else f"{rule}:"
    return gid(f"session:{prefix}{sc['name']}/{session}")


def facts(rule: str, sc: dict, ev: dict) -> dict:
    """Everything both shapes say about one sign-in, resolved from the catalogues."""
    prefix = "" if rule == AITM else f"{rule}:"
    name = f"{prefix}{sc['name']}/{ev['id']}"
    created, tg, ingested = event_times(rule, sc, ev)
    display, upn = USERS[ev["user"]]
    asn, country, city, state, lat, lon = NETWORKS[ev["net"]]
    ua, os_name, browser, client_app = CLIENTS[ev["client"]]
    app_id, app_name = APPS[ev["app"]]
    res_id, res_name = RESOURCES[ev["resource"]]
    if ev["device"] is None:
        device = {"deviceId": "", "displayName": "", "operatingSystem": os_name, "browser": browser,
                  "isCompliant": False, "isManaged": False, "trustType": ""}
    else:
        dname, trust, compliant, managed = DEVICES[ev["device"]]
        device = {"deviceId": gid("device:" + ev["device"]), "displayName": dname, "operatingSystem": os_name,
                  "browser": browser, "isCompliant": compliant, "isManaged": managed, "trustType": trust}
    steps = []
    for method, detail, result, requirement, after_s, status_seq, request_seq in AUTH[ev["auth"]]:
        step = {"authenticationStepDateTime": fmt(created + round(after_s * NS_PER_S), 7, "+00:00")}
        if method is not None:
            step["authenticationMethod"] = method
        if detail is not None:
            step["authenticationMethodDetail"] = detail
        step["succeeded"] = True
        step["authenticationStepResultDetail"] = result
        step["authenticationStepRequirement"] = requirement
        step["StatusSequence"] = status_seq
        step["RequestSequence"] = request_seq
        steps.append(step)
    mfa_steps = [s for s in steps if s.get("authenticationStepRequirement") == "Multifactor authentication"]
    status = {"errorCode": 0}
    if ev["auth"] == "claim-mfa":
        status["additionalDetails"] = "MFA requirement satisfied by claim in the token"
    elif mfa_steps:
        status["additionalDetails"] = "MFA completed in Azure AD"
    req_id = request_id(name)
    policies = policies_json(ev.get("policies", "baseline"))
    return {
        "name": ev["id"],
        "created": created,
        "tg": tg,
        "ingested": ingested,
        "interactive": ev["interactive"],
        "session_id": session_id(rule, sc, ev["session"]),
        "display": display,
        "upn": upn,
        "user_id": gid("user:" + upn),
        "ip": ev["ip"],
        "asn": asn,
        "country": country,
        "location": {"city": city, "state": state, "countryOrRegion": country,
                     "geoCoordinates": {"latitude": lat, "longitude": lon}},
        "ua": ua,
        "client_app": client_app,
        "device": device,
        "app_id": app_id,
        "app_name": app_name,
        "res_id": res_id,
        "res_name": res_name,
        "requirement": AUTH_REQUIREMENT[ev["auth"]],
        "steps": None if ev.get("auth_missing") else steps,
        "mfa_detail": {"authMethod": mfa_steps[0]["authenticationMethod"]} if mfa_steps else {},
        "status": status,
        "token": ev.get("token", "none"),
        "request_id": req_id,
        "uti": unique_token_identifier(req_id),
        "correlation_id": gid("correlation:" + name),
        "policies": policies,
        "ca_status": "success" if any(p["result"] == "success" for p in policies) else "notApplied",
        "processing_ms": 40 + h64("processing:" + name) % 160,
    }


def detection_facts(rule: str, sc: dict, ev: dict, signins: dict[str, dict]) -> dict:
    """An Identity Protection detection about one of the scenario's sign-ins."""
    of = signins[ev["of"]]
    name = f"{sc['name']}/{ev['id']}"
    return {
        "name": ev["id"],
        "kind": "detection",
        "of": of,
        "risk": ev["risk"],
        "detected": parse_time(ev["detected"]),
        "tg": parse_time(ev["tg"]),
        "ingested": parse_time(ev["ingested"]),
        "id": hashlib.sha256(("detection:" + name).encode()).hexdigest()[:64],
    }


def sentinel_row(f: dict) -> dict:
    interactive = f["interactive"]
    dyn = (lambda o: o) if interactive else compact  # dynamic in SigninLogs, string in the other table
    row = {
        "TenantId": WORKSPACE_ID,
        "AADTenantId": TENANT_ID,
        "SourceSystem": "Azure AD",
        "TimeGenerated": fmt(f["tg"]),
        "CreatedDateTime": fmt(f["created"]),
        # Added by the export query: `| extend IngestionTime = ingestion_time()`.
        "IngestionTime": fmt(f["ingested"]),
        "Type": "SigninLogs" if interactive else "AADNonInteractiveUserSignInLogs",
        "Category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
        "OperationName": "Sign-in activity",
        "OperationVersion": "1.0",
        "ResultType": "0",
        "ResultSignature": "None",
        "ResultDescription": "",
        "Level": "4",
        "DurationMs": 0,
        "Identity": f["display"],
        "UserDisplayName": f["display"],
        "UserPrincipalName": f["upn"],
        "AlternateSignInName": f["upn"],
        "UserId": f["user_id"],
        "UserType": "Member",
        "HomeTenantId": TENANT_ID,
        "ResourceTenantId": TENANT_ID,
        "Id": f["request_id"],
        "OriginalRequestId": f["request_id"],
        "CorrelationId": f["correlation_id"],
        "UniqueTokenIdentifier": f["uti"],
        "SessionId": f["session_id"],
        "IPAddress": f["ip"],
        "AutonomousSystemNumber": str(f["asn"]),
        "Location": f["country"],
        "LocationDetails": dyn(f["location"]),
        "UserAgent": f["ua"],
        "ClientAppUsed": f["client_app"],
        "DeviceDetail": dyn(f["device"]),
        "AppId": f["app_id"],
        "AppDisplayName": f["app_name"],
        "ResourceIdentity": f["res_id"],
        "ResourceDisplayName": f["res_name"],
        "IsInteractive": interactive,
        "AuthenticationRequirement": f["requirement"],
        "AuthenticationDetails": "" if f["steps"] is None else compact(f["steps"]),
        "AuthenticationProtocol": "none",
        "IncomingTokenType": f["token"],
        "TokenIssuerType": "AzureAD",
        "TokenIssuerName": "",
        "ConditionalAccessStatus": f["ca_status"],
        "ConditionalAccessPolicies": dyn(f["policies"]),
        "Status": dyn(f["status"]),
        "MfaDetail": dyn(f["mfa_detail"]),
        "RiskDetail": "none",
        "RiskLevelAggregated": "none",
        "RiskLevelDuringSignIn": "none",
        "RiskState": "none",
        "RiskEventTypes": "[]",
        "RiskEventTypes_V2": "[]",
        "CrossTenantAccessType": "none",
        "ClientCredentialType": "none",
        "ResourceGroup": "Microsoft.aadiam",
    }
    if interactive:  # columns only SigninLogs has
        row["ResourceId"] = AADIAM
        row["ResourceProvider"] = "Microsoft.aadiam"
        row["ProcessingTimeInMilliseconds"] = str(f["processing_ms"])
    else:  # columns only AADNonInteractiveUserSignInLogs has (schemas/sentinel/*.yaml)
        row["OriginalTransferMethod"] = "none"
        row["ProcessingTimeInMs"] = str(f["processing_ms"])
    return row


def sentinel_detection_row(d: dict) -> dict:
    """An AADUserRiskEvents row (schemas/sentinel/AADUserRiskEvents.json)."""
    f = d["of"]
    return {
        "Activity": "signin",
        "ActivityDateTime": fmt(f["created"]),
        "AdditionalInfo": [{"Key": "userAgent", "Value": f["ua"]}, {"Key": "alertUrl", "Value": None}],
        "CorrelationId": f["correlation_id"],
        "DetectedDateTime": fmt(d["detected"]),
        "DetectionTimingType": "offline",
        "Id": d["id"],
        "IngestionTime": fmt(d["ingested"]),
        "IpAddress": f["ip"],
        "LastUpdatedDateTime": fmt(d["detected"]),
        "Location": f["location"],
        "OperationName": "User Risk Detection",
        "RequestId": f["request_id"],
        "RiskDetail": "none",
        "RiskEventType": d["risk"],
        "RiskLevel": "high",
        "RiskState": "atRisk",
        "Source": "IdentityProtection",
        "SourceSystem": "Azure AD",
        "TenantId": WORKSPACE_ID,
        "TimeGenerated": fmt(d["tg"]),
        "TokenIssuerType": "AzureAD",
        "Type": "AADUserRiskEvents",
        "UserDisplayName": f["display"],
        "UserId": f["user_id"],
        "UserPrincipalName": f["upn"],
    }


def azure_record(f: dict) -> dict:
    """The Azure Monitor record of a sign-in, keys in the order Entra writes them (the shared sample's)."""
    interactive = f["interactive"]
    p = {}
    p["id"] = f["request_id"]
    p["createdDateTime"] = fmt(f["created"], 7, "+00:00")
    p["userDisplayName"] = f["display"]
    p["userPrincipalName"] = f["upn"]
    p["userId"] = f["user_id"]
    p["appId"] = f["app_id"]
    p["appDisplayName"] = f["app_name"]
    p["ipAddress"] = f["ip"]
    p["status"] = dict(f["status"])
    p["clientAppUsed"] = f["client_app"]
    p["userAgent"] = f["ua"]
    p["deviceDetail"] = dict(f["device"])
    p["location"] = json.loads(json.dumps(f["location"]))
    p["mfaDetail"] = dict(f["mfa_detail"])
    p["correlationId"] = f["correlation_id"]
    p["conditionalAccessStatus"] = f["ca_status"]
    p["appliedConditionalAccessPolicies"] = json.loads(json.dumps(f["policies"]))
    p["authenticationContextClassReferences"] = []
    p["originalRequestId"] = f["request_id"]
    p["isInteractive"] = interactive
    p["tokenIssuerName"] = ""
    p["tokenIssuerType"] = "AzureAD"
    p["authenticationProcessingDetails"] = [{"key": "Is CAE Token", "value": "False"}]
    p["networkLocationDetails"] = []
    p["clientCredentialType"] = "none"
    p["processingTimeInMilliseconds"] = f["processing_ms"]
    p["riskDetail"] = "none"
    p["riskLevelAggregated"] = "none"
    p["riskLevelDuringSignIn"] = "none"
    p["riskState"] = "none"
    p["riskEventTypes"] = []
    p["riskEventTypes_v2"] = []
    p["resourceDisplayName"] = f["res_name"]
    p["resourceId"] = f["res_id"]
    p["resourceTenantId"] = TENANT_ID
    p["homeTenantId"] = TENANT_ID
    p["tenantId"] = TENANT_ID
    if f["steps"] is not None:
        p["authenticationDetails"] = json.loads(json.dumps(f["steps"]))
    p["authenticationRequirementPolicies"] = []
    p["sessionLifetimePolicies"] = []
    p["authenticationRequirement"] = f["requirement"]
    p["alternateSignInName"] = f["upn"]
    p["signInIdentifier"] = f["upn"]
    p["servicePrincipalId"] = ""
    p["userType"] = "Member"
    p["flaggedForReview"] = False
    p["isTenantRestricted"] = False
    p["autonomousSystemNumber"] = f["asn"]
    p["crossTenantAccessType"] = "none"
    p["uniqueTokenIdentifier"] = f["uti"]
    p["incomingTokenType"] = f["token"]
    p["authenticationProtocol"] = "none"
    p["sessionId"] = f["session_id"]
    p["originalTransferMethod"] = "none"
    return {
        "time": fmt(f["tg"]),
        "resourceId": AADIAM,
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
        "tenantId": TENANT_ID,
        "resultType": "0",
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": f["ip"],
        "correlationId": f["correlation_id"],
        "identity": f["display"],
        "Level": 4,
        "location": f["country"],
        "properties": p,
    }


def azure_detection_record(d: dict) -> dict:
    """A UserRiskEvents record: the envelope and a Graph riskDetection under `properties`."""
    f = d["of"]
    return {
        "time": fmt(d["tg"]),
        "resourceId": AADIAM,
        "operationName": "User Risk Detection",
        "operationVersion": "1.0",
        "category": "UserRiskEvents",
        "tenantId": TENANT_ID,
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": f["ip"],
        "correlationId": f["correlation_id"],
        "identity": f["display"],
        "Level": 4,
        "location": f["country"],
        "properties": {
            "id": d["id"],
            "requestId": f["request_id"],
            "correlationId": f["correlation_id"],
            "riskType": d["risk"],
            "riskEventType": d["risk"],
            "riskState": "atRisk",
            "riskLevel": "high",
            "riskDetail": "none",
            "source": "IdentityProtection",
            "detectionTimingType": "offline",
            "activity": "signin",
            "tokenIssuerType": "AzureAD",
            "ipAddress": f["ip"],
            "location": json.loads(json.dumps(f["location"])),
            "activityDateTime": fmt(f["created"], 7, "+00:00"),
            "detectedDateTime": fmt(d["detected"], 7, "+00:00"),
            "lastUpdatedDateTime": fmt(d["detected"], 7, "+00:00"),
            "userId": f["user_id"],
            "userDisplayName": f["display"],
            "userPrincipalName": f["upn"],
            "additionalInfo": compact([{"Key": "userAgent", "Value": f["ua"]}]),
        },
    }


# Splunk's automatic JSON extraction reads no further than this many bytes of an event (limits.conf
# [spath] extraction_cutoff, 5,000 by default); the fields after it are only in _raw.
EXTRACTION_CUTOFF = 5000


def serialize_tracked(obj) -> tuple[str, list[tuple[str, object, int]]]:
    """Compact JSON in the object's own key order, and every scalar leaf as (Splunk field name, value, byte
    offset just past the value)."""
    out: list[str] = []
    pos = [0]
    leaves: list[tuple[str, object, int]] = []

    def put(s: str) -> None:
        out.append(s)
        pos[0] += len(s.encode("utf-8"))

    def walk(v, path: str) -> None:
        if isinstance(v, dict):
            put("{")
            for i, (k, child) in enumerate(v.items()):
                if i:
                    put(",")
                put(json.dumps(k, ensure_ascii=False) + ":")
                walk(child, f"{path}.{k}" if path else k)
            put("}")
        elif isinstance(v, list):
            put("[")
            for i, child in enumerate(v):
                if i:
                    put(",")
                walk(child, path + "{}")
            put("]")
        else:
            put(json.dumps(v, ensure_ascii=False))
            leaves.append((path, v, pos[0]))

    walk(obj, "")
    return "".join(out), leaves


def splunk_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v)


def search_export(record: dict, indexed: int) -> dict:
    """The event as a Splunk search exports it: `_raw` holds the record, and the fields automatic JSON
    extraction produced, which are only those whose value ends within the extraction cutoff. Values are
    strings; a multivalue field is an array."""
    raw, leaves = serialize_tracked(record)
    fields: dict[str, list[str]] = {}
    for path, value, end in leaves:
        if end <= EXTRACTION_CUTOFF and value is not None:
            fields.setdefault(path, []).append(splunk_text(value))
    ev = {k: (v[0] if len(v) == 1 else v) for k, v in fields.items()}
    ev.update({
        "_time": fmt(trunc(parse_time(record["time"]), 1_000_000), 3, "+00:00"),
        "_indextime": str(indexed // NS_PER_S),
        "_raw": raw,
        "host": "splunk-hf01.contoso.com",
        "index": "azure",
        "linecount": "1",
        "source": "contoso-siem.servicebus.windows.net/insights-logs-" + record["category"].lower(),
        "sourcetype": "azure:monitor:aad",
        "splunk_server": "splunk-idx01.contoso.com",
    })
    return ev


# ========================================================================================================
# Self-check. Everything below reads the rendered files back and judges them without tokenward.
# ========================================================================================================
class CheckFailed(SystemExit):
    pass


def fail(msg: str):
    raise CheckFailed(f"self-check: {msg}")


# --------------------------------------------------------------------------------------------------------
# Target profiles: the canonical field -> column / path mapping, read from profiles/*.yaml.
# --------------------------------------------------------------------------------------------------------
FIELD_TYPES = {
    "time": "time", "log_time": "time", "ingestion_time": "time", "session_id": "str", "user": "str",
    "user_id": "str", "ip": "str", "asn": "int", "user_agent": "str", "app_id": "str", "app_name": "str",
    "device_id": "str", "is_interactive": "bool", "auth_requirement": "str", "auth_methods": "list",
    "auth_step_results": "list", "risk_events": "list", "result": "str", "correlation_id": "str",
    "token_id": "str",
}


def parse_profile(text: str) -> dict:
    prof = {"fields": {}, "risk": {}, "category_field": "category"}
    section = None
    for line in text.splitlines():
        if re.match(r"^\S", line):
            section = line.split(":", 1)[0]
            if m := re.match(r"^category_field:\s*(\S+)", line):
                prof["category_field"] = m.group(1)
            continue
        if section == "fields" and (m := re.match(r"^  (\w+):\s*\{(.*)\}\s*$", line)):
            spec = {k: v.strip().strip('"') for k, v in re.findall(r'(\w+):\s*("[^"]*"|[^,]+)', m.group(2))}
            prof["fields"][m.group(1)] = spec
        elif section == "risk_detections" and (m := re.match(r"^  (\w+):\s*(\S+)", line)):
            prof["risk"][m.group(1)] = m.group(2)
    for f in FIELD_TYPES:
        if f not in prof["fields"]:
            fail(f"the profile maps no `{f}`")
    return prof


def convert(ty: str, v):
    if v is None:
        return None
    if ty == "str":
        return splunk_text(v) if not isinstance(v, str) else v
    if ty == "int":
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v
        if isinstance(v, str) and re.fullmatch(r"\s*-?\d+\s*", v):
            return int(v)
        return None
    if ty == "bool":
        if isinstance(v, bool):
            return v
        if isinstance(v, str):
            return v.lower() == "true" or v == "1"
        return v == 1
    if ty == "time":
        try:
            return parse_time(v if isinstance(v, str) else json.dumps(v))
        except ValueError:
            return None
    if ty == "list":
        if isinstance(v, list):
            return [splunk_text(x) for x in v if not isinstance(x, (dict, list)) and x is not None]
        return [v] if isinstance(v, str) else None
    raise AssertionError(ty)


def _json_col(v):
    if v is None:
        return None
    if isinstance(v, str):
        if not v.strip():
            return None
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return None
    return v


def read_sentinel(row: dict, prof: dict) -> dict:
    """A Log Analytics row as canonical fields, the way the Sentinel profile maps them."""
    risk = prof["risk"]
    log_col = prof["fields"]["log_time"]["column"]
    ing_col = prof["fields"]["ingestion_time"]["column"]
    if row.get("Type") == risk.get("table"):
        log = trunc(parse_time(row[log_col]), TICK)
        ing = trunc(parse_time(row[ing_col]), TICK) if ing_col in row else log
        return {"kind": "detection", "correlation_id": str(row.get(risk["key"], "")),
                "risk": str(row.get(risk["type"], "")), "log_time": log, "ingestion_time": ing}
    ev = {"kind": "signin", "missing": set()}
    for field, ty in FIELD_TYPES.items():
        spec = prof["fields"][field]
        col = spec["column"]
        if col not in row:
            ev["missing"].add(field)
            continue
        raw = row[col]
        if "each" in spec:
            arr = _json_col(raw)
            value = [splunk_text(i[spec["each"]]) for i in arr if isinstance(i, dict) and spec["each"] in i] \
                if isinstance(arr, list) else None
        elif spec.get("json_array") == "true":
            value = convert("list", _json_col(raw))
        elif "path" in spec:
            obj = _json_col(raw)
            for key in spec["path"].split("."):
                obj = obj.get(key) if isinstance(obj, dict) else None
            value = convert(ty, obj)
        else:
            value = convert(ty, raw)
        if value is None:
            ev["missing"].add(field)
        else:
            ev[field] = value
    if "ingestion_time" in ev["missing"] and "log_time" in ev:
        ev["missing"].discard("ingestion_time")
        ev["ingestion_time"] = ev["log_time"]
    for f in ("time", "log_time", "ingestion_time"):
        if f in ev:
            ev[f] = trunc(ev[f], TICK)
    return ev


def splunk_flatten(obj) -> dict[str, list]:
    """Field name -> values, as Splunk shows an event: keys of a search export as they are, nested records
    with `.` between keys and `{}` for arrays (an empty array is a field with no values)."""
    flat: dict[str, list] = {}

    def walk(prefix: str, v) -> None:
        if isinstance(v, dict):
            for k, child in v.items():
                walk(f"{prefix}.{k}", child)
        elif isinstance(v, list):
            key = prefix + "{}"
            flat.setdefault(key, [])
            for item in v:
                if isinstance(item, (dict, list)):
                    walk(key, item)
                elif item is not None:
                    flat[key].append(item)
        elif v is not None:
            flat.setdefault(prefix, []).append(v)

    for k, v in obj.items():
        if isinstance(v, dict) and "." not in k and k != "_raw":
            walk(k, v)
        elif isinstance(v, list) and ("{" in k or "." in k):
            flat.setdefault(k, []).extend(v)
        elif isinstance(v, list):
            walk(k, v)
        else:
            flat.setdefault(k, []).append(v)
    return flat


def read_splunk(event: dict, prof: dict) -> dict:
    """A Splunk event as canonical fields: the flattened field, else spath(_raw, path), as the search does."""
    flat = splunk_flatten(event)
    raw = splunk_flatten(json.loads(event["_raw"])) if isinstance(event.get("_raw"), str) else {}

    def values(path: str):
        for source in (flat, raw):
            if source.get(path):
                return source[path]
        return None

    def first_text(path: str):
        v = values(path)
        return splunk_text(v[0]) if v else None

    def log_time():
        v = values(prof["fields"]["log_time"]["path"])
        if v is None:
            for key in ("_time", "time"):
                if flat.get(key):
                    v = flat[key]
                    break
        return convert("time", v[0]) if v else None

    risk = prof["risk"]
    if first_text(prof["category_field"]) == risk.get("category"):
        log = log_time()
        ing = values(prof["fields"]["ingestion_time"]["path"])
        ing = convert("time", ing[0]) if ing else log
        return {"kind": "detection", "correlation_id": first_text(risk["key"]) or "",
                "risk": first_text(risk["type"]) or "", "log_time": trunc(log, 1000),
                "ingestion_time": trunc(ing, 1000)}
    ev = {"kind": "signin", "missing": set()}
    for field, ty in FIELD_TYPES.items():
        path = prof["fields"][field]["path"]
        vs = log_time() if field == "log_time" else values(path)
        if field == "log_time":
            value = vs
        elif ty == "list":
            if vs is not None:
                value = [splunk_text(x) for x in vs]
            elif path in flat or path in raw:
                value = []
            else:
                value = None
        else:
            value = convert(ty, vs[0]) if vs else None
        if value is None:
            ev["missing"].add(field)
        else:
            ev[field] = value
    if "ingestion_time" in ev["missing"] and "log_time" in ev:
        ev["missing"].discard("ingestion_time")
        ev["ingestion_time"] = ev["log_time"]
    for f in ("time", "log_time", "ingestion_time"):
        if f in ev:
            ev[f] = trunc(ev[f], 1000)
    return ev


# --------------------------------------------------------------------------------------------------------
# Lists and the user-agent table (rules/lists/*.yaml).
# --------------------------------------------------------------------------------------------------------
def list_values(text: str, name: str) -> list[str]:
    """Values of a list file (scalars after `values:`, comments stripped)."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"^values:\s*$", line):
            inside = True
            continue
        if inside:
            m = re.match(r'^\s+-\s+(?:"([^"]*)"|([^\s#]+))', line)
            if m:
                out.append(m.group(1) if m.group(1) is not None else m.group(2))
            elif re.match(r"^\S", line):
                inside = False
    if not out:
        fail(f"no values read from lists/{name}.yaml")
    return out


def load_lists(texts: dict[str, str]) -> dict:
    lists = {}
    for name, text in texts.items():
        if name == "ua_families":
            continue
        kind = re.search(r"^kind:\s*(\S+)", text, re.M).group(1)
        vals = list_values(text, name)
        if kind == "asn":
            lists[name] = {int(v) for v in vals}
        elif kind == "cidr":
            lists[name] = [ipaddress.ip_network(v) for v in vals]
        elif kind == "app_id":
            lists[name] = {v.lower() for v in vals}
        else:
            lists[name] = set(vals)
    text = texts["ua_families"]
    default = re.search(r"^default:\s*(\S+)", text, re.M).group(1)
    families, current = [], None
    for line in text.splitlines():
        if m := re.match(r"^\s+-\s+name:\s*(\S+)", line):
            current = [m.group(1), None, None]
        elif (m := re.match(r"^\s+class:\s*(\S+)", line)) and current:
            current[1] = m.group(1)
        elif (m := re.match(r"^\s+match_any:\s*(\[.*\])\s*$", line)) and current:
            current[2] = json.loads(m.group(1))
            families.append(tuple(current))
            current = None
    lists["__ua__"] = (default, families)
    return lists


def ua_family(lists: dict, ua: str) -> str:
    default, families = lists["__ua__"]
    low = ua.lower()
    for name, _class, subs in families:
        if any(s.lower() in low for s in subs):
            return name
    return default


def client_families(lists: dict) -> set[str]:
    return {name for name, cls, _ in lists["__ua__"][1] if cls == "client"}


def in_cidrs(ip: str, nets) -> bool:
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(a.version == n.version and a in n for n in nets)


def asn_in(asn, s) -> bool:
    return asn is not None and asn in s


# --------------------------------------------------------------------------------------------------------
# The rules, read from their files. Numbers, lists and names are read; each `when:` must be one of the
# conditions the model knows (the rule's own and the variants tests/it/rule_tests.rs tries), written in
# Python below from the rule's documented semantics, so a changed condition stops the script loudly.
# --------------------------------------------------------------------------------------------------------
def norm(text: str) -> str:
    return " ".join(text.split())


def s(e: dict, f: str) -> str:
    v = e.get(f)
    return v if isinstance(v, str) else ""


def lst(e: dict, f: str) -> list:
    return e.get(f) or []


def _any_in(values, allowed) -> bool:
    return any(v in allowed for v in values)


MFA_PERFORMED = lambda L, e: _any_in(lst(e, "auth_step_results"), L["mfa_performed_results"])  # noqa: E731
INTERACTIVE_MFA_OK = lambda L, e: (  # noqa: E731
    e.get("is_interactive") is True and s(e, "result") == "0" and s(e, "auth_requirement") == "multiFactorAuthentication"
)
CLAIM_REUSE = lambda L, e: (  # noqa: E731
    _any_in(lst(e, "auth_step_results"), L["previously_satisfied_results"])
    or "Previously satisfied" in lst(e, "auth_methods")
)
HOSTED = lambda L, asn: asn_in(asn, L["hosting_asns"]) or asn_in(asn, L["vps_asns"]) or asn_in(asn, L["proxy_asns"])  # noqa: E731

EVENT_CONDITIONS = {
    # aitm-session-replay issuance: MFA performed in this sign-in.
    'is_interactive and result == "0" and auth_requirement == "multiFactorAuthentication" '
    'and auth_step_results in mfa_performed_results':
        lambda L, e: INTERACTIVE_MFA_OK(L, e) and MFA_PERFORMED(L, e),
    # ... and the variant that lets claim reuse anchor.
    'is_interactive and result == "0" and auth_requirement == "multiFactorAuthentication"':
        lambda L, e: INTERACTIVE_MFA_OK(L, e),
    # aitm-session-replay later: any use, a refresh or an interactive claim reuse ...
    'result == "0" and (not is_interactive or auth_step_results in previously_satisfied_results '
    'or auth_methods == "Previously satisfied")':
        lambda L, e: s(e, "result") == "0" and (e.get("is_interactive") is not True or CLAIM_REUSE(L, e)),
    # ... and the variant without the claim-reuse arm.
    'result == "0" and not is_interactive':
        lambda L, e: s(e, "result") == "0" and e.get("is_interactive") is not True,
    # mfa-from-hosting-infrastructure match, and its variants.
    'is_interactive and result == "0" and auth_requirement == "multiFactorAuthentication" '
    'and auth_step_results in mfa_performed_results '
    'and (asn in hosting_asns or asn in vps_asns or asn in proxy_asns) and device_id == ""':
        lambda L, e: INTERACTIVE_MFA_OK(L, e) and MFA_PERFORMED(L, e) and HOSTED(L, e.get("asn"))
        and s(e, "device_id") == "",
    'is_interactive and result == "0" and auth_requirement == "multiFactorAuthentication" '
    'and (asn in hosting_asns or asn in vps_asns or asn in proxy_asns) and device_id == ""':
        lambda L, e: INTERACTIVE_MFA_OK(L, e) and HOSTED(L, e.get("asn")) and s(e, "device_id") == "",
    'is_interactive and result == "0" and auth_requirement == "multiFactorAuthentication" '
    'and auth_step_results in mfa_performed_results '
    'and (asn in hosting_asns or asn in vps_asns or asn in proxy_asns)':
        lambda L, e: INTERACTIVE_MFA_OK(L, e) and MFA_PERFORMED(L, e) and HOSTED(L, e.get("asn")),
    # single-event suppressions
    "ip in_cidr corp_egress_cidrs": lambda L, e: in_cidrs(s(e, "ip"), L["corp_egress_cidrs"]),
    "ip in_cidr tenant_sase_cidrs": lambda L, e: in_cidrs(s(e, "ip"), L["tenant_sase_cidrs"]),
}
PAIR_CONDITIONS = {
    # proxied_issuance
    '(first.asn in hosting_asns or first.asn in vps_asns or first.asn in proxy_asns) and first.device_id == ""':
        lambda L, f, l: HOSTED(L, f.get("asn")) and s(f, "device_id") == "",
    # suppressions
    "later.ip in_cidr corp_egress_cidrs": lambda L, f, l: in_cidrs(s(l, "ip"), L["corp_egress_cidrs"]),
    "later.ip in_cidr tenant_sase_cidrs": lambda L, f, l: in_cidrs(s(l, "ip"), L["tenant_sase_cidrs"]),
    "later.ip in_cidr microsoft_service_cidrs": lambda L, f, l: in_cidrs(s(l, "ip"), L["microsoft_service_cidrs"]),
    "later.device_id == first.device_id": lambda L, f, l: s(l, "device_id") != "" and s(l, "device_id") == s(f, "device_id"),
    "later.app_id in first_party_mobile_apps and later.asn in carrier_asns "
    "and first.asn in carrier_asns and first.device_id == \"\"":
        lambda L, f, l: s(l, "app_id").lower() in L["first_party_mobile_apps"] and asn_in(l.get("asn"), L["carrier_asns"])
        and asn_in(f.get("asn"), L["carrier_asns"]) and s(f, "device_id") == "",
    # variants the Rust tests try
    "later.app_id in first_party_mobile_apps and later.asn in carrier_asns":
        lambda L, f, l: s(l, "app_id").lower() in L["first_party_mobile_apps"] and asn_in(l.get("asn"), L["carrier_asns"]),
    "later.asn in carrier_asns": lambda L, f, l: asn_in(l.get("asn"), L["carrier_asns"]),
    "later.asn in sase_asns": lambda L, f, l: asn_in(l.get("asn"), L["sase_asns"]),
    "later.asn == 13335": lambda L, f, l: l.get("asn") == 13335,
}


def duration_ns(text: str) -> int:
    m = re.fullmatch(r"(\d+)([smhd])", text)
    if not m:
        fail(f"duration {text!r}")
    return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] * NS_PER_S


def _when(lines: list[str], i: int) -> str:
    line = lines[i]
    indent = len(line) - len(line.lstrip())
    rest = re.sub(r"\s#.*$", "", line.split("when:", 1)[1]).strip()
    if rest and rest not in (">", ">-", "|", "|-"):
        return norm(rest)
    parts = []
    for nxt in lines[i + 1:]:
        if not nxt.strip():
            continue
        if len(nxt) - len(nxt.lstrip()) <= indent:
            break
        parts.append(re.sub(r"#.*$", "", nxt))
    return norm(" ".join(parts))


def _sections(lines: list[str]) -> dict[str, tuple[int, int]]:
    starts = [(i, ln.split(":", 1)[0]) for i, ln in enumerate(lines) if re.match(r"^[a-z_]+:", ln)]
    out = {}
    for k, (i, key) in enumerate(starts):
        out[key] = (i, starts[k + 1][0] if k + 1 < len(starts) else len(lines))
    return out


def _items(lines: list[str], lo: int, hi: int, indent: int) -> list[tuple[int, int]]:
    """Block-sequence items `- ...` at this indent between lines lo and hi."""
    starts = [i for i in range(lo, hi) if re.match(" " * indent + r"- ", lines[i])]
    ends = []
    for k, i in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else hi
        for j in range(i + 1, end):
            ln = lines[j]
            if ln.strip() and not ln.lstrip().startswith("#") and len(ln) - len(ln.lstrip()) <= indent:
                end = j
                break
        ends.append(end)
    return list(zip(starts, ends))


def _condition(text: str, table: dict, where: str):
    if text not in table:
        fail(f"{where}: the model does not know the condition `{text}`; model it in generate.py first")
    return table[text]


def parse_rule(text: str) -> dict:
    lines = text.splitlines()
    sec = _sections(lines)
    rid = re.search(r"^id:\s*(\S+)", text, re.M).group(1)
    m = {"id": rid, "severity": re.search(r"^severity:\s*(\w+)", text, re.M).group(1)}
    every, delay = 15 * 60 * NS_PER_S, 15 * 60 * NS_PER_S
    if "schedule" in sec:
        lo, hi = sec["schedule"]
        for ln in lines[lo:hi]:
            if mm := re.match(r"^  every:\s*(\S+)", ln):
                every = duration_ns(mm.group(1))
            if mm := re.match(r"^  ingestion_delay:\s*(\S+)", ln):
                delay = duration_ns(mm.group(1))
    m["every"] = every
    m["suppressions"] = []
    kind = "correlation" if "correlation" in sec else "match"
    if "suppressions" in sec:
        lo, hi = sec["suppressions"]
        table = PAIR_CONDITIONS if kind == "correlation" else EVENT_CONDITIONS
        for a, b in _items(lines, lo + 1, hi, 2):
            name = re.search(r"name:\s*(\S+)", lines[a]).group(1)
            w = next(j for j in range(a, b) if re.match(r"^\s+when:", lines[j]))
            m["suppressions"].append((name, _condition(_when(lines, w), table, f"{rid}: suppression {name}")))
    if kind == "match":
        lo, hi = sec["match"]
        w = next(j for j in range(lo, hi) if re.match(r"^\s+when:", lines[j]))
        m.update(kind="match", when=_condition(_when(lines, w), EVENT_CONDITIONS, f"{rid}: match"),
                 lookback=every + delay)
        return m
    lo, hi = sec["correlation"]
    body = lines[lo:hi]
    get = lambda pat, default=None: next((mm.group(1) for ln in body if (mm := re.match(pat, ln))), default)  # noqa: E731
    m["kind"] = "correlation"
    m["key"] = get(r"^  key:\s*(\S+)", "session_id")
    m["window"] = duration_ns(get(r"^  window:\s*(\S+)"))
    m["anchor"] = get(r"^  anchor:\s*(\S+)", "first")
    for part in ("issuance", "later"):
        i = next(j for j in range(lo, hi) if lines[j] == f"  {part}:")
        w = next(j for j in range(i + 1, hi) if re.match(r"^\s+when:", lines[j]))
        m[part] = _condition(_when(lines, w), EVENT_CONDITIONS, f"{rid}: {part}")
    m["lookback"] = m["window"] + every + delay
    lo, hi = sec["signals"]
    body = lines[lo:hi]
    m["builtin"] = [n for n in ("user_agent", "asn", "device")
                    if get(rf"^  {n}:\s*(\S+)") == "true"]
    weights = dict(re.findall(r"(\w+):\s*(\d+)", get(r"^  weights:\s*\{(.*)\}", "")))
    m["weights"] = {n: int(weights.get(n, 1)) for n in m["builtin"]}
    m["extra"] = []
    ex = next((j for j in range(lo, hi) if lines[j] == "  extra:"), None)
    if ex is not None:
        end = next((j for j in range(ex + 1, hi) if re.match(r"^  \S", lines[j]) and not lines[j].startswith("  #")), hi)
        for a, b in _items(lines, ex + 1, end, 4):
            name = re.search(r"name:\s*(\S+)", lines[a]).group(1)
            weight = next((int(mm.group(1)) for ln in lines[a:b] if (mm := re.match(r"^\s+weight:\s*(\d+)", ln))), 1)
            w = next(j for j in range(a, b) if re.match(r"^\s+when:", lines[j]))
            m["extra"].append((name, weight, _condition(_when(lines, w), PAIR_CONDITIONS, f"{rid}: signal {name}")))
    m["min_score"] = int(get(r"^  min_score:\s*(\d+)"))
    flow = lambda pat: [x.strip() for x in get(pat, "").split(",") if x.strip()]  # noqa: E731
    m["asn_categories"] = flow(r"^  asn_categories:\s*\[(.*)\]")
    m["risk_events"] = flow(r"^  risk_events:\s*\[(.*)\]")
    return m


# --------------------------------------------------------------------------------------------------------
# The model: what the scheduled query emits (docs/semantics.md, src/testing.rs's contract).
# --------------------------------------------------------------------------------------------------------
def tie_key(L: dict, e: dict) -> str:
    clean = lambda x: x.replace("|", "_").replace(";", "_")  # noqa: E731
    asn = "" if e.get("asn") is None else str(e["asn"])
    return ";".join([clean(s(e, "ip")), asn, clean(ua_family(L, s(e, "user_agent"))), clean(s(e, "device_id")),
                     clean(s(e, "token_id"))])


def judge_pair(M: dict, L: dict, f: dict, l: dict) -> dict:
    fam_f, fam_l = ua_family(L, s(f, "user_agent")), ua_family(L, s(l, "user_agent"))
    fired = []
    if "user_agent" in M["builtin"] and fam_f != fam_l and fam_l not in client_families(L):
        fired.append(("user_agent", M["weights"]["user_agent"]))
    if "asn" in M["builtin"] and f.get("asn") is not None and l.get("asn") is not None and f["asn"] != l["asn"]:
        fired.append(("asn", M["weights"]["asn"]))
    if "device" in M["builtin"] and s(f, "device_id") != "" and s(f, "device_id") != s(l, "device_id"):
        fired.append(("device", M["weights"]["device"]))
    for name, weight, pred in M["extra"]:
        if pred(L, f, l):
            fired.append((name, weight))
    score = sum(w for _, w in fired)
    suppressed = [name for name, pred in M["suppressions"] if pred(L, f, l)]
    risk = sorted(set(M["risk_events"]) & (set(lst(f, "risk_events")) | set(lst(l, "risk_events"))))
    category = next((c for c in M["asn_categories"] if asn_in(l.get("asn"), L[c])), "")
    raised = bool(category) or bool(risk)
    return {
        "first": f, "later": l, "signals": sorted(n for n, _ in fired), "score": score,
        "suppressed": suppressed, "risk": risk, "category": category,
        "severity": ("high" if M["severity"] in ("medium", "high") else {"informational": "low", "low": "medium"}[M["severity"]])
        if raised else M["severity"],
        "families": (fam_f, fam_l),
        "alert": score >= M["min_score"] and not suppressed,
    }


def model_run(M: dict, L: dict, signins: list[dict], detections: list[dict], now: int | None) -> list[dict]:
    """Every pair (or matching event) a run at `now` completes, alerting or not; `now=None`: every event at
    once, as if one query saw them all."""
    every, lookback = M["every"], M["lookback"]
    if now is None:
        vis, dets = signins, detections
        new = lambda t: True  # noqa: E731
    else:
        vis = [e for e in signins if e.get("ingestion_time") is not None and e["ingestion_time"] <= now
               and e.get("log_time") is not None and e["log_time"] > now - lookback]
        # A detection counts only if the run can read it: ingested by now and inside the lookback.
        dets = [d for d in detections if d["ingestion_time"] <= now and d["log_time"] > now - lookback]
        end = now // every * every
        new = lambda t: t is not None and end - every < t <= end  # noqa: E731
    extra_risk: dict[str, set] = {}
    for d in dets:
        if d["correlation_id"]:
            extra_risk.setdefault(d["correlation_id"], set()).add(d["risk"])
    vis = [dict(e, risk_events=sorted(set(lst(e, "risk_events")) | extra_risk.get(s(e, "correlation_id"), set())))
           for e in vis]
    out = []
    if M["kind"] == "match":
        for e in vis:
            if new(e.get("ingestion_time")) and M["when"](L, e):
                suppressed = [name for name, pred in M["suppressions"] if pred(L, e)]
                out.append({"first": None, "later": e, "signals": [], "score": 0, "suppressed": suppressed,
                            "risk": [], "category": "", "severity": M["severity"], "alert": not suppressed})
        return out
    sessions: dict[str, tuple[list, list]] = {}
    for e in vis:
        key = s(e, M["key"])
        if not key or e.get("time") is None:
            continue
        iss, lat = sessions.setdefault(key, ([], []))
        if M["issuance"](L, e):
            iss.append(e)
        if M["later"](L, e):
            lat.append(e)
    for key, (iss, lat) in sorted(sessions.items()):
        for l in lat:
            cands = [i for i in iss if i["time"] < l["time"] and l["time"] - i["time"] <= M["window"]]
            if not cands:
                continue
            if M["anchor"] == "latest":
                f = max(cands, key=lambda i: (i["time"], tie_key(L, i)))
            else:
                f = max(cands, key=lambda i: (-i["time"], tie_key(L, i)))
            if not new(max(f["ingestion_time"], l["ingestion_time"])):
                continue
            out.append(judge_pair(M, L, f, l))
    return out


def identity(p: dict) -> tuple:
    return (s(p["later"], "session_id"), p["later"]["time"], p["first"]["time"] if p["first"] else None)


def simulate(M: dict, L: dict, signins: list[dict], detections: list[dict]) -> list[tuple[int, dict]]:
    """Consecutive runs on the schedule's grid, from the slice of the first ingestion to the one after the
    last; every alert with the run that emitted it."""
    every = M["every"]
    ingested = [e["ingestion_time"] for e in signins if e.get("ingestion_time") is not None]
    if not ingested:
        return []
    lo, hi = min(ingested), max(ingested)
    first = -(-lo // every) * every
    out = []
    for k in range((hi - first) // every + 2):
        now = first + k * every
        out += [(now, p) for p in model_run(M, L, signins, detections, now) if p["alert"]]
    return out


def judge_case(M: dict, L: dict, case: dict, events: list[dict]) -> tuple[list[str], dict]:
    """What `tokenward test` must conclude about one events file: its problems (none = pass)."""
    signins = [e for e in events if e["kind"] == "signin"]
    detections = [e for e in events if e["kind"] == "detection"]
    everything = [p for p in model_run(M, L, signins, detections, None) if p["alert"]]
    emitted = simulate(M, L, signins, detections)
    problems = []
    counts = {identity(p): 0 for p in everything}
    for _, p in emitted:
        counts[identity(p)] = counts.get(identity(p), 0) + 1
    for ident, n in sorted(counts.items(), key=str):
        if n != 1:
            problems.append(f"the pair {ident} is emitted {n} times")
    alerted = {identity(p)[0] for _, p in emitted}
    expected = set(case["sessions"])
    if case["expect"] == "alert" and alerted != expected:
        problems.append(f"expected alerts for {sorted(expected)}, got {sorted(alerted)}")
    if case["expect"] == "no_alert" and alerted:
        problems.append(f"expected no alert, got {sorted(alerted)}")
    if case["expect"] == "alert":
        for _, p in emitted:
            if case.get("severity") and p["severity"] != case["severity"]:
                problems.append(f"severity {p['severity']} at {fmt(p['later']['time'])}, not {case['severity']}")
            if case.get("signals") is not None and p["signals"] != sorted(case["signals"]):
                problems.append(f"signals {p['signals']} at {fmt(p['later']['time'])}, not {sorted(case['signals'])}")
    for field in case.get("missing_fields", []):
        if not any(field in e.get("missing", ()) for e in signins):
            problems.append(f"`{field}` is not absent from any event")
    return problems, {"emitted": emitted}


# --------------------------------------------------------------------------------------------------------
# Both shapes must say the same thing about every sign-in.
# --------------------------------------------------------------------------------------------------------
def compare_shapes(name: str, sentinel: list[dict], splunk: list[dict], export: bool) -> None:
    if len(sentinel) != len(splunk):
        fail(f"{name}: {len(sentinel)} Sentinel rows but {len(splunk)} Splunk events")
    log_step = 1_000_000 if export else 1000
    for a, b in zip(sentinel, splunk):
        if a["kind"] != b["kind"]:
            fail(f"{name}: a {a['kind']} row against a {b['kind']} event")
        diff = {}
        for k in sorted(set(a) | set(b)):
            x, y = a.get(k), b.get(k)
            if k in ("time",):
                x = trunc(x, 1000) if x is not None else None
            elif k == "log_time":
                x = trunc(x, log_step)
            elif k == "ingestion_time":
                x = trunc(x, NS_PER_S) if export else b["log_time"]
            if x != y:
                diff[k] = (x, y)
        if diff:
            fail(f"{name}: the two shapes disagree: {diff}")


# --------------------------------------------------------------------------------------------------------
# Mutations: the edits tests/it/rule_tests.rs makes to copies of the rules, lists and profiles, and the
# (case, shape) pairs each must make fail. The Rust tests assert the same lists; this keeps them honest.
# An edit is (kind, file, old, new): `old` must occur exactly once in rules/<file>.yaml (kind "rule"),
# rules/lists/<file>.yaml ("list") or profiles/<file>.yaml ("profile").
# --------------------------------------------------------------------------------------------------------
def _block(text: str, start: str, end_marks: tuple[str, ...]) -> str:
    """The text from `start` up to (not including) the first of `end_marks` after it."""
    i = text.index(start)
    j = min(k for k in (text.find(m, i + len(start)) for m in end_marks) if k >= 0)
    return text[i:j]


def suppression_item(text: str, name: str) -> str:
    """A suppression's whole item: from `  - name: NAME` to the next item or the blank line after the list."""
    return _block(text, f"  - name: {name}\n", ("\n  - name:", "\n\n")) + "\n"


def both(case: str) -> list[tuple[str, str]]:
    return [(case, "sentinel"), (case, "splunk")]


def mutations(texts: dict) -> list[dict]:
    aitm, hosting = texts["rules"][AITM], texts["rules"][HOSTING]
    extra = _block(aitm, "  extra:\n", ("  min_score:",))
    mobile_first = '\n      and first.asn in carrier_asns and first.device_id == ""'
    return [
        dict(name="window widened to 2h", edits=[("rule", AITM, "  window: 60m", "  window: 2h")],
             fails=both("replay-after-window")),
        # The tests that name the signal in `signals:` lose it too, or the rule would not load (E060).
        dict(name="proxied_issuance removed",
             edits=[("rule", AITM, extra, ""),
                    ("rule", AITM, "    signals: [proxied_issuance]\n", ""),
                    ("rule", AITM, "    signals: [asn, proxied_issuance]\n", "    signals: [asn]\n"),
                    ("rule", AITM, "    signals: [proxied_issuance, user_agent]\n", "    signals: [user_agent]\n")],
             fails=both("proxied-issuance-same-provider") + both("proxied-issuance-cloudflare-worker")
             + both("published-before-issuance")),
        dict(name="anchor first", edits=[("rule", AITM, "  anchor: latest", "  anchor: first")],
             fails=both("stolen-cookie-import")),
        dict(name="later without the claim-reuse arm",
             edits=[("rule", AITM, "(not is_interactive\n           or auth_step_results in previously_satisfied_results"
                     "\n           or auth_methods == \"Previously satisfied\")", "not is_interactive")],
             fails=both("stolen-cookie-import")),
        dict(name="issuance without mfa_performed_results",
             edits=[("rule", AITM, "\n      and auth_step_results in mfa_performed_results\n  later:", "\n  later:")],
             fails=both("auth-details-missing") + both("phone-on-personal-vpn")),
        *[dict(name=f"suppression {sup} removed", edits=[("rule", AITM, suppression_item(aitm, sup), "")],
               fails=both(case))
          for sup, case in [("corporate-egress", "split-tunnel-vpn"),
                            ("tenant-sase-egress", "teams-via-tenant-sase"),
                            ("microsoft-service-egress", "microsoft-service-refresh"),
                            ("same-device", "same-device-second-browser"),
                            ("first-party-mobile-on-carrier", "outlook-mobile-carrier")]],
        dict(name="13335 back on sase_asns, suppressed by ASN",
             edits=[("list", "sase_asns", "values:\n", "values:\n  - 13335    # Cloudflare, Inc.\n"),
                    ("rule", AITM, "suppressions:\n",
                     "suppressions:\n  - name: shared-sase-asn\n    when: later.asn in sase_asns\n")],
             fails=both("consumer-vpn-warp")),
        dict(name="13335 suppressed directly",
             edits=[("rule", AITM, "suppressions:\n",
                     "suppressions:\n  - name: cloudflare\n    when: later.asn == 13335\n")],
             fails=both("consumer-vpn-warp")),
        dict(name="mobile suppression without the issuance's side",
             edits=[("rule", AITM, mobile_first, "")], fails=both("residential-proxy-on-carrier")),
        dict(name="mobile suppression on the carrier alone",
             edits=[("rule", AITM, "later.app_id in first_party_mobile_apps and later.asn in carrier_asns" + mobile_first,
                     "later.asn in carrier_asns")],
             fails=both("residential-proxy-on-carrier")),
        dict(name="attackerinTheMiddle not a wanted risk event",
             edits=[("rule", AITM, "  risk_events: [anomalousToken, attackerinTheMiddle, tokenIssuerAnomaly]",
                     "  risk_events: [anomalousToken, tokenIssuerAnomaly]")],
             fails=both("identity-protection-escalation")),
        dict(name="time is TimeGenerated",
             edits=[("profile", "sentinel", "  time: { column: CreatedDateTime }", "  time: { column: TimeGenerated }")],
             fails=[("published-before-issuance", "sentinel")]),
        dict(name="hosting: corporate-egress removed",
             edits=[("rule", HOSTING, suppression_item(hosting, "corporate-egress"), "")],
             fails=both("cloud-desktop-corp-egress")),
        dict(name="hosting: match without mfa_performed_results",
             edits=[("rule", HOSTING, "\n    and auth_step_results in mfa_performed_results", "")],
             fails=both("claim-reuse-from-hosting")),
        dict(name="hosting: match without device_id == \"\"",
             edits=[("rule", HOSTING, "\n    and device_id == \"\"", "")],
             fails=both("registered-device-on-hosting")),
    ]


def apply_edits(texts: dict, edits: list) -> dict:
    out = {k: dict(v) for k, v in texts.items()}
    for kind, file, old, new in edits:
        bucket = {"rule": "rules", "list": "lists", "profile": "profiles"}[kind]
        text = out[bucket][file]
        if text.count(old) != 1:
            fail(f"mutation edit of {file}: {old!r} occurs {text.count(old)} times")
        out[bucket][file] = text.replace(old, new)
    return out


# --------------------------------------------------------------------------------------------------------
# Rendering every scenario, judging it, and writing it out.
# --------------------------------------------------------------------------------------------------------
def source_texts() -> dict:
    return {
        "rules": {r: (RULES / f"{r}.yaml").read_text(encoding="utf-8") for r in SCENARIOS},
        "lists": {p.stem: p.read_text(encoding="utf-8") for p in sorted((RULES / "lists").glob("*.yaml"))},
        "profiles": {t: (REPO / "profiles" / f"{t}.yaml").read_text(encoding="utf-8") for t in ("sentinel", "splunk")},
    }


def render(rule: str, sc: dict) -> dict:
    evs = [e for e in sc["events"] if e.get("kind") != "detection"]
    evs.sort(key=lambda e: parse_time(e["at"]))
    fs = [facts(rule, sc, e) for e in evs]
    by_id = {f["name"]: f for f in fs}
    ds = [detection_facts(rule, sc, e, by_id) for e in sc["events"] if e.get("kind") == "detection"]
    export = sc.get("splunk", "raw") == "export"
    rows = [sentinel_row(f) for f in fs] + [sentinel_detection_row(d) for d in ds]
    records = [azure_record(f) for f in fs] + [azure_detection_record(d) for d in ds]
    ingested = [f["ingested"] for f in fs] + [d["ingested"] for d in ds]
    sizes = [len(compact(r).encode("utf-8")) for r in records]
    if export:
        splunk = [search_export(r, t) for r, t in zip(records, ingested)]
    else:
        for size, f in zip(sizes, fs):
            if size > EXTRACTION_CUTOFF:
                fail(f"{sc['name']}/{f['name']}: a raw record of {size} bytes would lose fields to Splunk's "
                     "extraction cutoff; render the scenario as a search export")
        splunk = records
    reason = sc["reason"].replace("@RAW_BYTES@", f"{max(sizes):,}")
    case = {
        "rule": rule, "name": sc["name"], "expect": sc["expect"],
        "sessions": sorted(session_id(rule, sc, x) for x in sc["alert_sessions"]),
        "severity": sc.get("severity"), "signals": sc.get("signals"),
        "missing_fields": sc.get("missing_fields", []), "reason": reason,
        "names": {f["correlation_id"]: f["name"] for f in fs},
    }
    return {"case": case, "sentinel": rows, "splunk": splunk, "export": export, "facts": fs, "sizes": sizes}


def read_shapes(item: dict, texts: dict) -> dict[str, list[dict]]:
    sp, pp = parse_profile(texts["profiles"]["sentinel"]), parse_profile(texts["profiles"]["splunk"])
    return {"sentinel": [read_sentinel(r, sp) for r in item["sentinel"]],
            "splunk": [read_splunk(e, pp) for e in item["splunk"]]}


def tests_signals(rule_text: str) -> dict[str, list[str] | None]:
    """Each test's `signals:` as the rule file says (sorted), None where it says none."""
    out, name = {}, None
    tail = rule_text[rule_text.find("\ntests:\n"):] if "\ntests:\n" in rule_text else ""
    for line in tail.splitlines():
        if m := re.match(r"^  - name:\s*(\S+)", line):
            name = m.group(1)
            out[name] = None
        elif (m := re.match(r"^    signals:\s*\[(.*)\]", line)) and name:
            out[name] = sorted(x.strip() for x in m.group(1).split(",") if x.strip())
    return out


def judge_all(items: list[dict], texts: dict) -> dict[tuple[str, str], list[str]]:
    lists = load_lists(texts["lists"])
    models = {r: parse_rule(texts["rules"][r]) for r in SCENARIOS}
    signals = {}
    for r in SCENARIOS:
        signals.update(tests_signals(texts["rules"][r]))
    out = {}
    for item in items:
        case = dict(item["case"], signals=signals.get(item["case"]["name"]))
        for shape, events in read_shapes(item, texts).items():
            problems, _ = judge_case(models[case["rule"]], lists, case, events)
            out[(case["name"], shape)] = problems
    return out


def analysis(item: dict, texts: dict) -> list[str]:
    """expected.yaml lines: the model's account of every use (or matching sign-in) of the scenario."""
    case = item["case"]
    lists = load_lists(texts["lists"])
    M = parse_rule(texts["rules"][case["rule"]])
    names = case["names"]
    shapes = read_shapes(item, texts)
    runs = {}
    for shape, events in shapes.items():
        signins = [e for e in events if e["kind"] == "signin"]
        dets = [e for e in events if e["kind"] == "detection"]
        for now, p in simulate(M, lists, signins, dets):
            runs.setdefault((names[s(p["later"], "correlation_id")], shape), []).append(fmt(now, 0))
    events = shapes["sentinel"]
    signins = [e for e in events if e["kind"] == "signin"]
    dets = [e for e in events if e["kind"] == "detection"]
    pairs = {s(p["later"], "correlation_id"): p for p in model_run(M, lists, signins, dets, None)}
    lines = []
    when = lambda e: fmt(e["time"], 2)[11:-1]  # noqa: E731
    for e in signins:
        cid = s(e, "correlation_id")
        name = names[cid]
        where = f"{s(e, 'ip')} AS{e.get('asn')}, {ua_family(lists, s(e, 'user_agent'))}, " \
                f"device {'id' if s(e, 'device_id') else 'none'}"
        head = f"{name} ({'interactive' if e.get('is_interactive') else 'non-interactive'} {when(e)}, {where})"
        if M["kind"] == "match":
            p = pairs.get(cid)
            if p is None:
                lines.append(f"    - {json.dumps(head + ': no match')}")
                continue
            verdict = f"suppressed by {', '.join(p['suppressed'])}" if p["suppressed"] else "alert"
        else:
            roles = [r for r, c in (("issuance", M["issuance"]), ("use", M["later"])) if c(lists, e)]
            if not roles:
                lines.append(f"    - {json.dumps(head + ': neither an issuance nor a use')}")
                continue
            p = pairs.get(cid)
            if p is None:
                why = "empty session id" if not s(e, M["key"]) else "no issuance within the window before it"
                lines.append(f"    - {json.dumps(head + ': ' + ' and '.join(roles) + '; ' + (why if 'use' in roles else 'pairs with nothing'))}")
                continue
            f = p["first"]
            gap = hms(e["time"] - f["time"])
            verdict = (f"paired with {names[s(f, 'correlation_id')]} {gap} earlier: "
                       f"signals [{', '.join(p['signals'])}] score {p['score']} (min_score {M['min_score']})")
            if p["score"] < M["min_score"]:
                verdict += ", below min_score"
            if p["suppressed"]:
                verdict += f", suppressed by {', '.join(p['suppressed'])}"
            if p["alert"]:
                why = [f"later ASN in {p['category']}"] if p["category"] else []
                why += [f"risk {', '.join(p['risk'])}"] if p["risk"] else []
                verdict += f": ALERT, severity {p['severity']}" + (f" ({'; '.join(why)})" if why else "")
        emitted = [f"{shape} {', '.join(runs[(name, shape)])}" for shape in ("sentinel", "splunk")
                   if (name, shape) in runs]
        if emitted:
            verdict += "; emitted by the run at " + " / ".join(emitted)
        lines.append(f"    - {json.dumps(head + ': ' + verdict, ensure_ascii=False)}")
    return lines


def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def tests_block(rule: str, items: list[dict]) -> str:
    out = ["tests:"]
    for item in items:
        c = item["case"]
        out += [f"  - name: {c['name']}", "    events:",
                f"      - tests/{rule}/{c['name']}.sentinel.json",
                f"      - tests/{rule}/{c['name']}.splunk.json",
                f"    expect: {c['expect']}"]
        if c["sessions"]:
            out.append(f"    sessions: [{', '.join(yaml_str(x) for x in c['sessions'])}]")
        if c["severity"]:
            out.append(f"    severity: {c['severity']}")
        if c["signals"] is not None:
            out.append(f"    signals: [{', '.join(c['signals'])}]")
        if c["missing_fields"]:
            out.append(f"    missing_fields: [{', '.join(c['missing_fields'])}]")
        out.append("    reason: >-")
        out += ["      " + ln for ln in textwrap.wrap(c["reason"], 108, break_long_words=False, break_on_hyphens=False)]
    return "\n".join(out) + "\n"


def with_tests(rule_text: str, block: str) -> str:
    lines = rule_text.splitlines(keepends=True)
    at = next((i for i, ln in enumerate(lines) if ln.startswith("tests:")), None)
    if at is None:
        return rule_text.rstrip("\n") + "\n\n" + block
    if any(re.match(r"^[a-z_]+:", ln) for ln in lines[at + 1:]):
        fail("the rule has keys after its `tests:` block; keep `tests:` last")
    return "".join(lines[:at]) + block


def build(texts: dict) -> tuple[dict[Path, str], list[dict]]:
    files: dict[Path, str] = {}
    items_all = []
    names = [sc["name"] for scs in SCENARIOS.values() for sc in scs]
    if len(set(names)) != len(names):
        fail("two scenarios share a name (names are unique across rules: the Rust tests name cases alone)")
    for rule, scenarios in SCENARIOS.items():
        items = [render(rule, sc) for sc in scenarios]
        items_all += items
        out = HERE / rule
        exp = [
            "# Generated by rules/tests/generate.py; edit the scenarios there, not this file.",
            "# One entry per scenario: events in <scenario>.sentinel.json and <scenario>.splunk.json. `analysis` is",
            "# the generator's own model of the rule on the Sentinel rows (the Splunk events agree; the runs that",
            "# emit each alert are given per shape).",
        ]
        for item in items:
            c = item["case"]
            files[out / f"{c['name']}.sentinel.json"] = dump(item["sentinel"])
            files[out / f"{c['name']}.splunk.json"] = dump(item["splunk"])
            exp += [f"- scenario: {c['name']}", f"  expect: {c['expect']}",
                    f"  sessions: [{', '.join(yaml_str(x) for x in c['sessions'])}]"]
            if c["severity"]:
                exp.append(f"  severity: {c['severity']}")
            if c["signals"] is not None:
                exp.append(f"  signals: [{', '.join(c['signals'])}]")
            if c["missing_fields"]:
                exp.append(f"  missing_fields: [{', '.join(c['missing_fields'])}]")
            exp.append(f"  splunk_shape: {'search export' if item['export'] else 'raw Azure Monitor records'}")
            exp.append(f"  reason: {yaml_str(c['reason'])}")
            exp.append("  analysis:")
            exp += analysis(item, texts)
        files[out / "expected.yaml"] = "\n".join(exp) + "\n"
        files[RULES / f"{rule}.yaml"] = with_tests(texts["rules"][rule], tests_block(rule, items))
    return files, items_all


def self_check(items: list[dict], texts: dict) -> None:
    profiles = {t: parse_profile(texts["profiles"][t]) for t in ("sentinel", "splunk")}
    for item in items:
        c = item["case"]
        a = [read_sentinel(r, profiles["sentinel"]) for r in item["sentinel"]]
        b = [read_splunk(e, profiles["splunk"]) for e in item["splunk"]]
        compare_shapes(c["name"], a, b, item["export"])
        if item["export"] and c["name"] == "oversized-splunk-event":
            # The point of the scenario: the issuance's flattened fields stop before the late keys.
            issue = item["splunk"][0]
            if max(item["sizes"]) <= 12_000:
                fail(f"{c['name']}: the issuance's record is only {max(item['sizes'])} bytes")
            for key in ("properties.sessionId", "properties.isInteractive", "properties.authenticationRequirement",
                        "properties.autonomousSystemNumber",
                        "properties.authenticationDetails{}.authenticationStepResultDetail"):
                if key in issue:
                    fail(f"{c['name']}: {key} was extracted although it lies past the cutoff")
    verdicts = judge_all(items, texts)
    bad = {k: v for k, v in verdicts.items() if v}
    if bad:
        fail("the model does not pass every case:\n" + "\n".join(f"  {k}: {v}" for k, v in sorted(bad.items())))
    for mut in mutations(texts):
        got = sorted(k for k, v in judge_all(items, apply_edits(texts, mut["edits"])).items() if v)
        if got != sorted(mut["fails"]):
            fail(f"mutation `{mut['name']}` fails {got}, not {sorted(mut['fails'])}")


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    texts = source_texts()
    files, items = build(texts)
    # Judge the rules as they will be written: with the `tests:` blocks generated here.
    texts = dict(texts, rules={r: files[RULES / f"{r}.yaml"] for r in SCENARIOS})
    self_check(items, texts)
    stale = []
    for rule in SCENARIOS:
        for p in sorted((HERE / rule).glob("*.json")) if (HERE / rule).is_dir() else []:
            if p not in files:
                stale.append(p)
    if check_only:
        differ = [p for p, text in files.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        for p in differ + stale:
            print(f"out of date: {p.relative_to(REPO)}")
        print(f"self-check passed: {len(items)} scenarios, {len(mutations(texts))} mutations")
        return 1 if differ or stale else 0
    for p, text in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
    for p in stale:
        p.unlink()
        print(f"removed stale {p.relative_to(REPO)}")
    print(f"self-check passed: {len(items)} scenarios, {len(mutations(texts))} mutations; "
          f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
