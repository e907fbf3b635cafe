#!/usr/bin/env python3
"""Writes the aitm-session-replay test fixtures (Python 3.11, standard library only).

Each scenario below is described ONCE, as a short list of sign-ins in a neutral form. This script renders
every scenario in the two shapes tokenward reads:

  aitm-session-replay/<scenario>.sentinel.json  Log Analytics export rows (SigninLogs and
                                                 AADNonInteractiveUserSignInLogs column names; DeviceDetail,
                                                 LocationDetails, Status and MfaDetail are objects in
                                                 SigninLogs rows and JSON strings in non-interactive rows;
                                                 AuthenticationDetails and RiskEventTypes_V2 are JSON strings)
  aitm-session-replay/<scenario>.splunk.json    raw Azure Monitor records as the Splunk Add-on for Microsoft
                                                 Cloud Services indexes them (sourcetype azure:monitor:aad):
                                                 envelope plus the sign-in record under `properties`
  aitm-session-replay/expected.yaml             what the rule must make of each scenario

Both shapes of a scenario carry the same facts. Nothing is random: identifiers are uuid5 values of fixed
names, times are written out in the scenarios. Output is JSON with 2-space indentation and sorted keys.

Before writing, the script checks its own work: it reads every rendered row and event back the way the
profiles map them (profiles/sentinel.yaml, profiles/splunk.yaml), asserts both shapes give the same canonical
events, and runs a small independent model of the rule (docs/semantics.md, rules/lists/*.yaml, the window
and min_disagreements read from the rule file) to confirm each scenario's expected outcome. It does not
replace `tokenward test`; it keeps the fixtures from silently contradicting the lists they were written for.

Usage: python3 rules/tests/generate.py          (from anywhere; paths are relative to this file)
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE.parent
RULE_ID = "aitm-session-replay"
OUT = HERE / RULE_ID

# --------------------------------------------------------------------------------------------------------
# Identifiers: uuid5 of fixed names, so every run writes the same bytes.
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
    "dtag-frankfurt": (3320, "DE", "Frankfurt am Main", "Hessen", 50.1109, 8.6821),
    # Mobile carriers (CGNAT)
    "tmobile-seattle": (21928, "US", "Seattle", "Washington", 47.6062, -122.3321),
    "tmobile-dallas": (21928, "US", "Dallas", "Texas", 32.7767, -96.7970),
    "tmobile-denver": (21928, "US", "Denver", "Colorado", 39.7392, -104.9903),
    "att-mobility-seattle": (20057, "US", "Seattle", "Washington", 47.6062, -122.3321),
    # Hosting
    "digitalocean-santaclara": (14061, "US", "Santa Clara", "California", 37.3541, -121.9552),
    "digitalocean-northbergen": (14061, "US", "North Bergen", "New Jersey", 40.8043, -74.0121),
    "ovh-roubaix": (16276, "FR", "Roubaix", "Hauts-de-France", 50.6942, 3.1746),
    "vultr-piscataway": (20473, "US", "Piscataway", "New Jersey", 40.4993, -74.3990),
    # Corporate VPN egress. 203.0.113.0/24 is the placeholder corp_egress_cidrs range (RFC 5737), so its
    # ASN is the matching documentation ASN (RFC 5398): no real network announces either.
    "contoso-vpn-chicago": (64496, "US", "Chicago", "Illinois", 41.8781, -87.6298),
    # SASE and Microsoft
    "zscaler-frankfurt": (53813, "DE", "Frankfurt am Main", "Hessen", 50.1109, 8.6821),
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
    "safari-ios-sheet": (SAFARI_IOS_18, "Ios", "Mobile Safari 18.1", "Mobile Apps and Desktop clients"),
    "outlook-ios": ("Outlook-iOS/2.0", "Ios", "Rich Client 1.6.2", "Mobile Apps and Desktop clients"),
    "outlook-desktop": (
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)",
        "Windows10",
        "Rich Client 4.66.1.0",
        "Mobile Apps and Desktop clients",
    ),
    "teams-desktop": (TEAMS_DESKTOP, "Windows10", "Rich Client 4.66.1.0", "Mobile Apps and Desktop clients"),
    "python-requests": ("python-requests/2.32.3", "", "Python Requests 2.32", "Mobile Apps and Desktop clients"),
    "msal-pkeyauth": ("Mozilla/5.0 (compatible; MSAL 1.0) PKeyAuth/1.0", "", "", "Mobile Apps and Desktop clients"),
}

APPS = {  # client applications (AppId)
    "officehome": ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    "outlook-mobile": ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    "teams": ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    "microsoft-office": ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    "exchange-online": ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
}
RESOURCES = {  # resources (ResourceIdentity / resourceId)
    "officehome": ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    "exchange-online": ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    "sharepoint-online": ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    "graph": ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
}

DEVICES = {  # registered devices: (display name, trustType, isCompliant, isManaged)
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
    "claim-mfa": "multiFactorAuthentication",
    "claim-1fa": "singleFactorAuthentication",
}

# --------------------------------------------------------------------------------------------------------
# The scenarios. Each event:
#   id           name inside the scenario (seeds its request and correlation ids)
#   at           the sign-in time, ISO 8601 UTC with 7 fractional digits as Log Analytics writes it
#   session      session name inside the scenario (SessionId = uuid5 of scenario/session)
#   user, interactive, ip, net, client, device (None = unregistered, deviceId ""), app, resource
#   auth         an AUTH pattern; auth_missing=True drops authenticationDetails entirely (Sentinel "" /
#                Splunk: no key) while the rest of the sign-in (requirement, MfaDetail) stays as it was
#   token        IncomingTokenType (default "none")
# --------------------------------------------------------------------------------------------------------
SCENARIOS = [
    {
        "name": "aitm-hosting-replay",
        "expect": "alert",
        "alert_sessions": ["main"],
        "reason": (
            "The non-interactive sign-in 20 minutes after the MFA issuance of the same SessionId disagrees on "
            "all three signals (ua family python vs edge, ASN 14061 vs 7922, no device id vs the laptop's), no "
            "suppression matches 159.223.131.48 on DigitalOcean, and AS14061 in hosting_asns raises the "
            "severity from medium to high."
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
        "reason": (
            "The replay 17 minutes after the MFA issuance sends the victim's exact Edge user agent so the ua "
            "family agrees, but ASN (16276 vs 7922) and device id (none vs the laptop's) disagree, 2 of 3 with "
            "no suppression matching the OVH address, and AS16276 in hosting_asns raises the severity to high."
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
            "Teams' refresh 15 minutes after the MFA issuance disagrees on ua family (teams vs edge) and ASN "
            "(64496 vs 7922) with the same device id, 2 of 3, but its IP 203.0.113.25 is in corp_egress_cidrs "
            "so corporate-egress suppresses the pair."
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
        ],
    },
    {
        "name": "sase-egress",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Outlook desktop's refresh 10 minutes after the MFA issuance disagrees on ua family (office-desktop "
            "vs edge) and ASN (53813 vs 3320) with the same device id, 2 of 3, but AS53813 is in sase_asns so "
            "sase-egress suppresses the pair."
        ),
        "events": [
            # Johanna signs in on the Frankfurt office line (Deutsche Telekom business access), where Zscaler
            # Client Connector's trusted-network detection leaves traffic direct.
            dict(id="issue", at="2026-11-10T07:55:09.6604123Z", session="main", user="johanna", interactive=True,
                 ip="80.153.114.26", net="dtag-frankfurt", client="edge-win", device="johanna-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +10m: she leaves the office and tethers; the connector tunnels again and Outlook refreshes
            # through Zscaler Frankfurt.
            dict(id="outlook-refresh", at="2026-11-10T08:05:33.2081590Z", session="main", user="johanna",
                 interactive=False, ip="165.225.72.41", net="zscaler-frankfurt", client="outlook-desktop",
                 device="johanna-laptop", app="microsoft-office", resource="exchange-online", auth="claim-mfa",
                 token="primaryRefreshToken"),
        ],
    },
    {
        "name": "outlook-mobile-carrier",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Each Outlook Mobile refresh pairs with the Safari-sheet MFA issuance within 40 minutes: the first, "
            "still on T-Mobile AS21928, disagrees only on ua family (outlook-mobile vs safari, 1 of 3, below "
            "min_disagreements), and the two on AT&T Mobility AS20057 disagree on ua family and ASN (device "
            "empty on both sides) but first-party-mobile-on-carrier suppresses them because app id "
            "27922004-5251-4030-b22d-91ecd9a37ea4 is in first_party_mobile_apps and AS20057 in carrier_asns."
        ),
        "events": [
            # Diego adds his account to Outlook on an unregistered iPhone; sign-in runs in the system
            # browser sheet (Safari user agent) over T-Mobile.
            dict(id="issue", at="2026-11-12T16:20:33.9127405Z", session="main", user="diego", interactive=True,
                 ip="172.56.29.114", net="tmobile-seattle", client="safari-ios-sheet", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="password+sms"),
            # +6m: first refresh, new CGNAT address, same carrier.
            dict(id="refresh-1", at="2026-11-12T16:26:48.4410382Z", session="main", user="diego",
                 interactive=False, ip="172.56.31.6", net="tmobile-seattle", client="outlook-ios", device=None,
                 app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
            # +23m and +40m: the dual-SIM phone has switched cellular data to its AT&T line.
            dict(id="refresh-2", at="2026-11-12T16:43:12.0056221Z", session="main", user="diego",
                 interactive=False, ip="107.77.213.40", net="att-mobility-seattle", client="outlook-ios",
                 device=None, app="outlook-mobile", resource="graph", auth="claim-mfa"),
            dict(id="refresh-3", at="2026-11-12T17:00:29.7731864Z", session="main", user="diego",
                 interactive=False, ip="107.77.198.9", net="att-mobility-seattle", client="outlook-ios",
                 device=None, app="outlook-mobile", resource="exchange-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "residential-proxy-on-carrier",
        "expect": "alert",
        "alert_sessions": ["main"],
        "reason": (
            "The OfficeHome sign-in 25 minutes after the MFA issuance disagrees on all three signals (chrome vs "
            "edge, AS21928 vs 7922, no device id vs the laptop's) and first-party-mobile-on-carrier does not "
            "apply because OfficeHome is not in first_party_mobile_apps even though AS21928 is in carrier_asns; "
            "AS21928 is in no asn_categories list, so the severity stays medium."
        ),
        "events": [
            dict(id="issue", at="2026-11-16T19:07:45.0238817Z", session="main", user="lynne", interactive=True,
                 ip="73.170.88.241", net="comcast-sunnyvale", client="edge-win", device="lynne-laptop",
                 app="officehome", resource="officehome", auth="password+push"),
            # +25m: replay through a residential/mobile proxy exit on T-Mobile, in desktop Chrome.
            dict(id="replay", at="2026-11-16T19:32:51.6690142Z", session="main", user="lynne", interactive=False,
                 ip="172.58.100.14", net="tmobile-dallas", client="chrome-win", device=None,
                 app="officehome", resource="sharepoint-online", auth="claim-mfa"),
        ],
    },
    {
        "name": "three-devices-one-user",
        "expect": "no_alert",
        "alert_sessions": [],
        "reason": (
            "Each device has its own SessionId and every refresh pairs only with its own session's MFA issuance, "
            "with which ua family, ASN and device id all agree (0 of 3); pairing by user instead of SessionId "
            "would wrongly alert, e.g. the desktop's 15:47 UTC refresh against the phone's 15:41 UTC issuance."
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
            "The replay (3 of 3 signals disagree, headless Chrome on DigitalOcean without a device id) comes 61 "
            "minutes after the session's only MFA issuance, outside the 60m window (0 < later - issuance <= "
            "60m), so it has no issuance to pair with."
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
            "The refresh 30 minutes after the MFA issuance disagrees on all three signals (ua family other vs "
            "edge, AS8075 vs 7922, no device id vs the laptop's) but 20.190.151.8 is inside 20.190.128.0/18 in "
            "microsoft_service_cidrs, so microsoft-service-egress suppresses the pair."
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
            "This is a real replay (3 of 3 signals disagree, python-requests on Vultr AS20473, 22 minutes after "
            "the MFA sign-in), but the interactive sign-in arrived without authenticationDetails, so "
            "auth_step_results is absent, `auth_step_results in mfa_success_results` is false and the rule is "
            "blind to the issuance; the tool has to report auth_step_results absent instead of passing silently."
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
]

# --------------------------------------------------------------------------------------------------------
# Time: 100 ns ticks, so the 7 fractional digits Log Analytics writes survive arithmetic.
# --------------------------------------------------------------------------------------------------------
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{7})Z$")


def ticks(iso: str) -> int:
    m = _TIME.match(iso)
    if not m:
        raise ValueError(f"time {iso!r} is not YYYY-MM-DDTHH:MM:SS.fffffffZ")
    base = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(base.timestamp()) * 10_000_000 + int(m.group(2))


def fmt(t: int, suffix: str = "Z") -> str:
    secs, frac = divmod(t, 10_000_000)
    base = datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:07d}{suffix}"


# --------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------
def compact(obj) -> str:
    """How Log Analytics stores JSON in a string column: compact, keys in Entra's order."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def facts(sc: dict, ev: dict) -> dict:
    """Everything both shapes say about one sign-in, resolved from the catalogues."""
    name = f"{sc['name']}/{ev['id']}"
    t = ticks(ev["at"])
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
        step = {"authenticationStepDateTime": fmt(t + round(after_s * 10_000_000), "+00:00")}
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
    req_id = request_id(name)
    return {
        "time": t,
        "interactive": ev["interactive"],
        "session_id": gid(f"session:{sc['name']}/{ev['session']}"),
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
        "ca_status": "success" if ev["interactive"] else "notApplied",
    }


def sentinel_row(f: dict) -> dict:
    interactive = f["interactive"]
    dyn = (lambda o: o) if interactive else compact  # dynamic in SigninLogs, string in the other table
    t = fmt(f["time"])
    row = {
        "TenantId": WORKSPACE_ID,
        "AADTenantId": TENANT_ID,
        "SourceSystem": "Azure AD",
        "TimeGenerated": t,
        "CreatedDateTime": t,
        "Type": "SigninLogs" if interactive else "AADNonInteractiveUserSignInLogs",
        "Category": "SignInLogs" if interactive else "NonInteractiveUserSignInLogs",
        "OperationName": "Sign-in activity",
        "OperationVersion": "1.0",
        "ResultType": "0",
        "ResultSignature": "None",
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
    else:  # columns only AADNonInteractiveUserSignInLogs has
        row["OriginalTransferMethod"] = "none"
    return row


def splunk_event(f: dict) -> dict:
    interactive = f["interactive"]
    props = {
        "id": f["request_id"],
        "createdDateTime": fmt(f["time"], "+00:00"),
        "userDisplayName": f["display"],
        "userPrincipalName": f["upn"],
        "userId": f["user_id"],
        "appId": f["app_id"],
        "appDisplayName": f["app_name"],
        "ipAddress": f["ip"],
        "status": dict(f["status"]),
        "clientAppUsed": f["client_app"],
        "userAgent": f["ua"],
        "deviceDetail": dict(f["device"]),
        "location": json.loads(json.dumps(f["location"])),
        "mfaDetail": dict(f["mfa_detail"]),
        "correlationId": f["correlation_id"],
        "conditionalAccessStatus": f["ca_status"],
        "originalRequestId": f["request_id"],
        "isInteractive": interactive,
        "tokenIssuerName": "",
        "tokenIssuerType": "AzureAD",
        "clientCredentialType": "none",
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "resourceDisplayName": f["res_name"],
        "resourceId": f["res_id"],
        "resourceTenantId": TENANT_ID,
        "homeTenantId": TENANT_ID,
        "tenantId": TENANT_ID,
        "authenticationRequirement": f["requirement"],
        "alternateSignInName": f["upn"],
        "signInIdentifier": f["upn"],
        "userType": "Member",
        "isTenantRestricted": False,
        "autonomousSystemNumber": f["asn"],
        "crossTenantAccessType": "none",
        "uniqueTokenIdentifier": f["uti"],
        "incomingTokenType": f["token"],
        "authenticationProtocol": "none",
        "sessionId": f["session_id"],
        "originalTransferMethod": "none",
    }
    if f["steps"] is not None:
        props["authenticationDetails"] = json.loads(json.dumps(f["steps"]))
    return {
        "time": fmt(f["time"]),
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
        "properties": props,
    }


# --------------------------------------------------------------------------------------------------------
# Self-check: read both shapes back as the profiles map them, and model the rule over the result.
# --------------------------------------------------------------------------------------------------------
def _json_col(v):
    if isinstance(v, str):
        return json.loads(v) if v.strip() else None
    return v


def canon_sentinel(row: dict) -> dict:
    steps = _json_col(row.get("AuthenticationDetails"))
    return {
        "time": fmt(ticks(row["TimeGenerated"])),
        "session_id": row["SessionId"], "user": row["UserPrincipalName"], "user_id": row["UserId"],
        "ip": row["IPAddress"], "asn": int(row["AutonomousSystemNumber"]), "user_agent": row["UserAgent"],
        "app_id": row["AppId"], "app_name": row["AppDisplayName"], "resource_id": row["ResourceIdentity"],
        "device": _json_col(row["DeviceDetail"]), "location": _json_col(row["LocationDetails"]),
        "is_interactive": row["IsInteractive"], "auth_requirement": row["AuthenticationRequirement"],
        "auth_steps": steps,  # None = absent
        "risk_events": json.loads(row["RiskEventTypes_V2"]), "country": row["Location"],
        "result": row["ResultType"], "incoming_token_type": row["IncomingTokenType"],
        "token_issuer_type": row["TokenIssuerType"], "request_id": row["Id"],
        "correlation_id": row["CorrelationId"], "uti": row["UniqueTokenIdentifier"],
        "client_app": row["ClientAppUsed"],
    }


def canon_splunk(ev: dict) -> dict:
    p = ev["properties"]
    assert ticks(ev["time"]) == ticks(p["createdDateTime"].replace("+00:00", "Z"))
    return {
        "time": fmt(ticks(ev["time"])),
        "session_id": p["sessionId"], "user": p["userPrincipalName"], "user_id": p["userId"],
        "ip": p["ipAddress"], "asn": p["autonomousSystemNumber"], "user_agent": p["userAgent"],
        "app_id": p["appId"], "app_name": p["appDisplayName"], "resource_id": p["resourceId"],
        "device": p["deviceDetail"], "location": p["location"],
        "is_interactive": p["isInteractive"], "auth_requirement": p["authenticationRequirement"],
        "auth_steps": p.get("authenticationDetails"),
        "risk_events": p["riskEventTypes_v2"], "country": p["location"]["countryOrRegion"],
        "result": str(p["status"]["errorCode"]), "incoming_token_type": p["incomingTokenType"],
        "token_issuer_type": p["tokenIssuerType"], "request_id": p["id"],
        "correlation_id": p["correlationId"], "uti": p["uniqueTokenIdentifier"],
        "client_app": p["clientAppUsed"],
    }


def list_values(name: str) -> list[str]:
    """Values of rules/lists/<name>.yaml (scalars after `values:`, comments stripped)."""
    out, inside = [], False
    for line in (RULES / "lists" / f"{name}.yaml").read_text(encoding="utf-8").splitlines():
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
        raise SystemExit(f"self-check: no values read from lists/{name}.yaml")
    return out


def ua_table() -> tuple[str, list[tuple[str, list[str]]]]:
    text = (RULES / "lists" / "ua_families.yaml").read_text(encoding="utf-8")
    default = re.search(r"^default:\s*(\S+)", text, re.M).group(1)
    families, current = [], None
    for line in text.splitlines():
        if m := re.match(r"^\s+-\s+name:\s*(\S+)", line):
            current = m.group(1)
        elif (m := re.match(r"^\s+match_any:\s*(\[.*\])\s*$", line)) and current:
            families.append((current, json.loads(m.group(1))))
            current = None
    return default, families


def model_rule(events: list[dict]) -> dict[str, list[str]]:
    """Alerting sessions -> disagreeing signals, per docs/semantics.md and the rule's suppressions."""
    rule = (RULES / f"{RULE_ID}.yaml").read_text(encoding="utf-8")
    window_s = int(re.search(r"^\s+window:\s*(\d+)m\s*$", rule, re.M).group(1)) * 60
    min_dis = int(re.search(r"^\s+min_disagreements:\s*(\d+)", rule, re.M).group(1))
    mfa_ok = set(list_values("mfa_success_results"))
    corp = [ipaddress.ip_network(c) for c in list_values("corp_egress_cidrs")]
    msft = [ipaddress.ip_network(c) for c in list_values("microsoft_service_cidrs")]
    sase = {int(a) for a in list_values("sase_asns")}
    carriers = {int(a) for a in list_values("carrier_asns")}
    mobile_apps = {a.lower() for a in list_values("first_party_mobile_apps")}
    default, families = ua_table()

    def family(ua: str) -> str:
        low = ua.lower()
        for name, subs in families:
            if any(s.lower() in low for s in subs):
                return name
        return default

    def in_cidrs(ip: str, nets) -> bool:
        a = ipaddress.ip_address(ip)
        return any(a in n for n in nets)

    def t(e):
        return ticks(e["time"]) / 1e7

    def key(e):
        clean = lambda s: str(s).replace("|", "_").replace(";", "_")
        return ";".join(clean(x) for x in (e["ip"], e["asn"], family(e["user_agent"]), e["device"]["deviceId"]))

    issuances = [
        e for e in events
        if e["is_interactive"] and e["result"] == "0" and e["auth_requirement"] == "multiFactorAuthentication"
        and any(s.get("authenticationStepResultDetail") in mfa_ok for s in (e["auth_steps"] or []))
    ]
    alerts: dict[str, list[str]] = {}
    for later in events:
        if later["is_interactive"] or later["result"] != "0" or not later["session_id"]:
            continue
        cands = [i for i in issuances if i["session_id"] == later["session_id"]
                 and 0 < t(later) - t(i) <= window_s]
        if not cands:
            continue
        first = max(cands, key=lambda i: (t(i), key(i)))
        dis = []
        if family(first["user_agent"]) != family(later["user_agent"]):
            dis.append("user_agent")
        if first["asn"] is not None and later["asn"] is not None and first["asn"] != later["asn"]:
            dis.append("asn")
        if first["device"]["deviceId"] != later["device"]["deviceId"]:
            dis.append("device")
        if len(dis) < min_dis:
            continue
        suppressed = (
            in_cidrs(later["ip"], corp)
            or in_cidrs(later["ip"], msft)
            or later["asn"] in sase
            or (later["app_id"].lower() in mobile_apps and later["asn"] in carriers)
        )
        if not suppressed:
            alerts.setdefault(later["session_id"], []).append("+".join(dis))
    return alerts


def self_check(sc: dict, rows: list[dict], events: list[dict]) -> None:
    a = [canon_sentinel(r) for r in rows]
    b = [canon_splunk(e) for e in events]
    for x, y in zip(a, b, strict=True):
        if x != y:
            diff = {k: (x[k], y[k]) for k in x if x[k] != y[k]}
            raise SystemExit(f"self-check: {sc['name']}: the two shapes disagree: {diff}")
    expected = {gid(f"session:{sc['name']}/{s}") for s in sc["alert_sessions"]}
    got = model_rule(a)
    if set(got) != expected or (sc["expect"] == "no_alert") != (not expected):
        raise SystemExit(f"self-check: {sc['name']}: expected alerts for {sorted(expected)}, model gives {got}")
    if "auth_step_results" in sc.get("missing_fields", []):
        if not any(e["auth_steps"] is None for e in a):
            raise SystemExit(f"self-check: {sc['name']}: no event lacks authenticationDetails")


# --------------------------------------------------------------------------------------------------------
def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    expected_yaml = [
        "# Generated by rules/tests/generate.py; edit the scenarios there, not this file.",
        "# One entry per scenario: events in <scenario>.sentinel.json and <scenario>.splunk.json.",
    ]
    names = [sc["name"] for sc in SCENARIOS]
    if len(set(names)) != len(names):
        raise SystemExit("two scenarios share a name")
    for sc in SCENARIOS:
        evs = sorted(sc["events"], key=lambda e: ticks(e["at"]))
        fs = [facts(sc, e) for e in evs]
        rows = [sentinel_row(f) for f in fs]
        events = [splunk_event(f) for f in fs]
        self_check(sc, rows, events)
        for suffix, data in (("sentinel", rows), ("splunk", events)):
            path = OUT / f"{sc['name']}.{suffix}.json"
            path.write_text(dump(data), encoding="utf-8")
            written.append(path)
        sessions = sorted({f["session_id"] for f in fs})
        alerting = [gid(f"session:{sc['name']}/{s}") for s in sc["alert_sessions"]]
        expected_yaml += [
            f"- scenario: {sc['name']}",
            f"  expect: {sc['expect']}",
            f"  sessions: [{', '.join(yaml_str(s) for s in alerting)}]",
        ]
        if sc.get("missing_fields"):
            expected_yaml.append(f"  missing_fields: [{', '.join(sc['missing_fields'])}]")
        expected_yaml.append(f"  reason: {yaml_str(sc['reason'])}")
        print(f"{sc['name']}: {sc['expect']}; sessions in the events: {', '.join(sessions)}")
    path = OUT / "expected.yaml"
    path.write_text("\n".join(expected_yaml) + "\n", encoding="utf-8")
    written.append(path)
    # Remove fixtures of scenarios that no longer exist (only files this script writes).
    keep = {p.name for p in written}
    for stale in sorted(OUT.glob("*.json")):
        if stale.name not in keep and (stale.name.endswith(".sentinel.json") or stale.name.endswith(".splunk.json")):
            stale.unlink()
            print(f"removed stale {stale.relative_to(RULES.parent)}")
    print(f"wrote {len(written)} files under {OUT.relative_to(RULES.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
