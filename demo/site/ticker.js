// The live ticker: the server pushes a JSON tick; the page redraws.
"use strict";

const sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/ticker");
sock.onmessage = m => {
  const t = JSON.parse(m.data);
  document.getElementById("seq").textContent = t.seq;
  document.getElementById("time").textContent = t.time + " UTC";
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
};
sock.onclose = e => { document.getElementById("time").textContent = "closed (" + e.code + ")"; };
