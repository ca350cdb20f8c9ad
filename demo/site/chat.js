// The chat room: one WebSocket to /ws/chat; events arrive as JSON.
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

function line(cls, text, proto) {
  const li = document.createElement("li");
  li.className = cls;
  li.textContent = text;
  if (proto) {
    const s = document.createElement("span");
    s.className = protoClass(proto);
    s.textContent = proto;
    li.append(" ", s);
  }
  log.append(li);
}

const sock = new WebSocket(wsURL("/ws/chat"));
sock.onopen = () => { document.getElementById("status").textContent = "open"; };
sock.onclose = e => {
  document.getElementById("status").textContent = "closed (" + e.code + (e.reason ? " " + e.reason : "") + ")";
};
sock.onmessage = m => {
  const e = JSON.parse(m.data);
  document.getElementById("count").textContent = e.count;
  switch (e.type) {
  case "welcome":
    document.getElementById("me").textContent = e.from;
    const p = document.getElementById("me-proto");
    p.textContent = e.proto;
    p.className = protoClass(e.proto);
    break;
  case "join": line("join", e.from + " joined", e.proto); break;
  case "leave": line("leave", e.from + " left", e.proto); break;
  case "msg": line("msg", e.from + ": " + e.text, e.proto); break;
  }
};
document.getElementById("send").onsubmit = ev => {
  ev.preventDefault();
  const t = document.getElementById("text");
  if (t.value && sock.readyState === WebSocket.OPEN) sock.send(t.value);
  t.value = "";
};

// ?say=TEXT sends TEXT once connected: how tests make a browser talk.
const say = new URLSearchParams(location.search).get("say");
if (say) sock.addEventListener("open", () => sock.send(say), { once: true });
