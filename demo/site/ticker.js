// The live ticker: the server pushes a JSON tick; the page redraws. One
// instance of the cluster produces the ticks, every instance relays them;
// each tick names both ("producer", "instance"). When the connection ends
// the page reconnects by itself with a growing, jittered backoff, and asks
// for the ticks after the last it saw (?after=SEQ); a server restarting
// (close code 1012) moves it to another instance at once.
"use strict";

const status = document.getElementById("status");
let lastSeq = 0;
let attempts = 0;

function retryDelay(n) {
  const d = Math.min(10000, 250 * 2 ** n);
  return d / 2 + Math.random() * d / 2;
}

function draw(t) {
  document.getElementById("seq").textContent = t.seq;
  document.getElementById("time").textContent = t.time + " UTC";
  document.getElementById("producer").textContent = t.producer;
  const p = document.getElementById("proto");
  p.textContent = t.proto;
  p.className = t.proto === "HTTP/3.0" ? "proto h3" : t.proto === "HTTP/1.1" ? "proto http1" : "proto";
  const body = document.querySelector("#quotes tbody");
  body.replaceChildren(...t.quotes.map(q => {
    const tr = document.createElement("tr");
    for (const v of [q.symbol, q.price.toFixed(2), (q.change >= 0 ? "+" : "") + q.change.toFixed(2) + "%"]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.append(td);
    }
    tr.className = q.change >= 0 ? "up" : "down";
    return tr;
  }));
}

function connect() {
  status.textContent = attempts ? "reconnecting" : "connecting";
  const sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/ticker?after=" + lastSeq);
  sock.onopen = () => { attempts = 0; status.textContent = "open"; };
  sock.onmessage = m => {
    const t = JSON.parse(m.data);
    document.getElementById("instance").textContent = t.instance;
    if (t.type === "gap" || t.type === "welcome") { lastSeq = t.seq; return; } // where the stream starts
    if (t.seq <= lastSeq) return;
    lastSeq = t.seq;
    draw(t);
  };
  sock.onclose = e => {
    const restarting = e.code === 1012;
    const wait = restarting ? 50 + Math.random() * 200 : retryDelay(attempts);
    attempts++;
    status.textContent = (restarting ? "server restarting, moving" : "closed (" + e.code + ")") +
      "; reconnecting in " + (wait / 1000).toFixed(1) + "s";
    setTimeout(connect, wait);
  };
}

connect();
