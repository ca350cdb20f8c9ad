// Shows which protocol carried the page and each subresource.
"use strict";

function protoClass(p) {
  if (p === "h3" || p === "HTTP/3.0") return "proto h3";
  if (p === "http/1.1" || p === "HTTP/1.1") return "proto http1";
  return "proto";
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function showResources() {
  const nav = performance.getEntriesByType("navigation")[0];
  const page = document.getElementById("page-proto");
  page.textContent = (nav && nav.nextHopProtocol) || "unknown";
  page.className = protoClass(page.textContent);
  const rows = [nav].concat(performance.getEntriesByType("resource"))
    .filter(e => e && !e.name.includes("/tile/"));
  const tbody = document.querySelector("#resources tbody");
  tbody.replaceChildren();
  for (const e of rows) {
    const tr = document.createElement("tr");
    const p = e.nextHopProtocol || "(cached)";
    tr.append(cell(new URL(e.name).pathname), cell(p, protoClass(p)), cell(Math.round(e.duration) + " ms"));
    tbody.append(tr);
  }
}

async function showWhoami() {
  const resp = await fetch("/api/whoami", { cache: "no-store" });
  const me = await resp.json();
  const dl = document.getElementById("whoami");
  dl.replaceChildren();
  for (const [k, v] of Object.entries(me)) {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    dl.append(dt, dd);
  }
  document.getElementById("conn-requests").textContent = me.connRequests;
  document.getElementById("conn-requests-label").textContent =
    (me.connRequests === 1 ? "request" : "requests") + " so far on the " + me.proto +
    " connection that carried /api/whoami (from " + me.remoteAddr + ")";
  const alt = resp.headers.get("alt-svc");
  document.getElementById("altsvc").textContent = alt
    ? "The server advertises HTTP/3 with Alt-Svc: " + alt
    : (me.proto === "HTTP/3.0" ? "You are on HTTP/3: no Alt-Svc needed." : "No Alt-Svc header: HTTP/3 is off.");
  showResources();
}

function loadTiles() {
  const grid = document.getElementById("tiles");
  const max = Number(document.getElementById("delay-max").textContent);
  const start = performance.now();
  let left = 64;
  grid.replaceChildren();
  for (let i = 0; i < 64; i++) {
    const img = new Image();
    img.alt = "tile " + i;
    img.onload = img.onerror = () => {
      if (--left === 0) {
        document.getElementById("tiles-time").textContent =
          "64 tiles in " + Math.round(performance.now() - start) + " ms";
        showWhoami(); // the keep-alive count now includes the tiles
      }
    };
    img.src = "/tile/" + i + ".svg?delay=" + Math.floor(Math.random() * max) + "&t=" + Date.now();
    grid.append(img);
  }
}

function showHowto() {
  const o = location.origin, host = location.host;
  document.getElementById("howto").textContent = [
    "# HTTP/1.1 and HTTP/2 with curl (trust the local CA first: trio trust)",
    "curl --http1.1 -sI " + o + "/",
    "curl --http2 -sI " + o + "/",
    "# HTTP/3: Chromium follows Alt-Svc only for public roots, so force QUIC for this",
    "# origin, with the --ignore-certificate-errors-spki-list flag trio printed at start;",
    "# the feature flag also carries the chat's WebSocket over HTTP/3 (RFC 9220):",
    "chromium --origin-to-force-quic-on=" + host + " --ignore-certificate-errors-spki-list=... " +
      "--enable-features=EnableWebsocketsOverHttp3 " + o + "/",
    "# Watch the frames of every connection, and keep qlog files for qvis:",
    "trio serve --trace --qlog qlog/",
  ].join("\n");
}

document.getElementById("reload").addEventListener("click", loadTiles);
document.getElementById("ask-again").addEventListener("click", showWhoami);
window.addEventListener("load", () => { showWhoami(); loadTiles(); showHowto(); });
