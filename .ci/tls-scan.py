#!/usr/bin/env python3
"""Checks an sslyze JSON report of both listeners: only TLS 1.2 and 1.3, only forward-secret AEAD
suites, and the partner listener requiring a client certificate. Exits 1 with the reasons otherwise."""
import json
import sys

report, partner_port, staff_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
problems = []
seen = set()
for server in json.load(open(report))["server_scan_results"]:
    port = server["server_location"]["port"]
    name = {partner_port: "partner", staff_port: "staff"}.get(port, str(port))
    seen.add(port)
    if server["scan_status"] != "COMPLETED":
        problems.append(f"{name}: scan did not complete ({server['scan_status']})")
        continue
    results = server["scan_result"]

    def accepted(key):
        result = results[key]
        if result["status"] != "COMPLETED":
            problems.append(f"{name}: {key} not scanned ({result['status']})")
            return []
        return [c["cipher_suite"]["name"] for c in result["result"]["accepted_cipher_suites"]]

    for old in ["ssl_2_0", "ssl_3_0", "tls_1_0", "tls_1_1"]:
        if suites := accepted(f"{old}_cipher_suites"):
            problems.append(f"{name}: accepts {old}: {suites}")
    tls12 = accepted("tls_1_2_cipher_suites")
    tls13 = accepted("tls_1_3_cipher_suites")
    if not tls12 and not tls13:
        problems.append(f"{name}: accepts neither TLS 1.2 nor 1.3")
    for suite in tls12:
        if "ECDHE" not in suite or not ("GCM" in suite or "CHACHA20_POLY1305" in suite):
            problems.append(f"{name}: TLS 1.2 suite without forward secrecy or AEAD: {suite}")
    requirement = server["connectivity_result"]["client_auth_requirement"]
    if port == partner_port and requirement != "REQUIRED":
        problems.append(f"partner: client certificate is {requirement}, not REQUIRED")
    print(f"{name} listener (port {port}): TLS 1.2 {tls12}; TLS 1.3 {tls13}; client certificate {requirement}")

for port in [partner_port, staff_port]:
    if port not in seen:
        problems.append(f"port {port} missing from the report")
if problems:
    print("TLS scan failed:\n- " + "\n- ".join(problems))
    sys.exit(1)
print("TLS scan passed")
