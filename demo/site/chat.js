// The chat room: one WebSocket to /ws/chat; events arrive as JSON, each
// with the room's sequence number ("seq") and the server instance the page
// is connected to ("instance"). When the connection ends, the page
// reconnects by itself, with a growing, jittered backoff, and asks for what
// it missed with ?after=SEQ: a server restarting (close code 1012) moves it
// to another instance at once.
"use strict";

function wsURL(path) {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
}

function protoClass(p) {
  if (p === "HTTP/3.0") return "proto h3";
  if (p === "HTTP/1.1") return "proto http1";
  return "proto";
}

const log = document.getElementById("log");
const status = document.getElementById("status");

function line(cls, text, proto, via) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  if (proto) {
    const s = document.createElement("span");
    s.className = protoClass(proto);
    s.textContent = proto;
    li.append(" ", s);
  }
  if (via) li.append(" via " + via);
  log.append(li);
}

// retryDelay is the wait before reconnect attempt n (0, 1, ...): from
// about 250ms doubling to about 10s, each jittered so a crowd moved off one
// server does not arrive at the next all at once.
function retryDelay(n) {
  const d = Math.min(10000, 250 * 2 ** n);
  return d / 2 + Math.random() * d / 2;
}

let sock = null;
let lastSeq = 0;     // the newest room event seen; 0 before the first welcome
let attempts = 0;    // reconnects since the last open
let said = false;    // the ?say= text went out

// ?say=TEXT sends TEXT once connected: how tests make a browser talk.
const say = new URLSearchParams(location.search).get("say");

function connect() {
  status.textContent = attempts ? "reconnecting" : "connecting";
  sock = new WebSocket(wsURL("/ws/chat?after=" + lastSeq));
  sock.onopen = () => {
    attempts = 0;
    status.textContent = "open";
    if (say && !said) {
      said = true;
      sock.send(say);
    }
  };
  sock.onmessage = m => onEvent(JSON.parse(m.data));
  sock.onclose = e => {
    const restarting = e.code === 1012;
    const wait = restarting ? 50 + Math.random() * 200 : retryDelay(attempts);
    attempts++;
    const why = restarting ? "server restarting, moving" : "closed (" + e.code + (e.reason ? " " + e.reason : "") + ")";
    if (restarting) line("leave", why + " off " + document.getElementById("instance").textContent);
    status.textContent = why + "; reconnecting in " + (wait / 1000).toFixed(1) + "s";
    setTimeout(connect, wait);
  };
}

function onEvent(e) {
  document.getElementById("instance").textContent = e.instance;
  if (e.count !== undefined) document.getElementById("count").textContent = e.count;
  switch (e.type) {
  case "welcome": {
    document.getElementById("me").textContent = e.from;
    const p = document.getElementById("me-proto");
    p.textContent = e.proto;
    p.className = protoClass(e.proto);
    if (lastSeq) line("join", "resumed after #" + lastSeq + " on " + e.instance);
    lastSeq = e.seq; // where this connection's stream starts (lower if the room began again)
    return;
  }
  case "gap":
    line("leave", "missed messages: the room keeps them from #" + e.oldest + " on");
    lastSeq = e.seq;
    return;
  }
  if (e.seq <= lastSeq) return; // seen before reconnecting
  lastSeq = e.seq;
  switch (e.type) {
  case "join": line("join", e.from + " joined", e.proto, e.via); break;
  case "leave": line("leave", e.from + " left", e.proto, e.via); break;
  case "msg": line("msg", e.from + ": " + e.text, e.proto, e.via); break;
  }
}

document.getElementById("send").onsubmit = ev => {
  ev.preventDefault();
  const t = document.getElementById("text");
  if (t.value && sock && sock.readyState === WebSocket.OPEN) {
    sock.send(t.value);
    t.value = "";
  }
};

connect();
