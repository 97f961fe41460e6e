/// The dashboard's stylesheet and script, served from `/dashboard/assets/` (the page's CSP
/// allows scripts and styles from this origin only: nothing inline, nothing external).
enum DashboardAssets {
    static let css = #"""
:root{--bg:#f7f7f8;--fg:#1d1f23;--muted:#5d6470;--card:#fff;--line:#dde0e5;--accent:#2f6fde;--accent-2:#d9480f;--ok:#1e7e34;--warn:#b26b00;--bad:#c92a2a;--chip:#eef1f6;--input:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#14161a;--fg:#e6e8eb;--muted:#9aa3ae;--card:#1d2026;--line:#30353d;--accent:#6ea0ff;--accent-2:#ff8a4c;--ok:#51cf66;--warn:#fcc419;--bad:#ff6b6b;--chip:#262a31;--input:#15171b}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.6rem 1rem;background:var(--card);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
.brand{font-weight:700;text-decoration:none;color:var(--fg);margin-right:.5rem}
nav{display:flex;flex-wrap:wrap;gap:.25rem}
nav a{padding:.3rem .6rem;border-radius:6px;text-decoration:none;color:var(--fg)}
nav a[aria-current=page]{background:var(--chip);font-weight:600}
nav a:hover{background:var(--chip)}
.top-right{margin-left:auto;display:flex;align-items:center;gap:.75rem}
.live{font-size:12px;color:var(--muted)}
main{padding:1rem;max-width:1400px;margin:0 auto}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.05rem;margin:0 0 .6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem;margin:1rem 0}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:.75rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.75rem}
.stat .label{display:block;color:var(--muted);font-size:12px}
.stat .value{display:block;font-size:1.3rem;font-weight:650;margin:.15rem 0;font-variant-numeric:tabular-nums}
.stat .note,.small,.hint{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.75rem;margin-top:.75rem}
figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.6rem .75rem}
figcaption{font-weight:600;font-size:13px;margin-bottom:.25rem;display:flex;justify-content:space-between}
.legend{font-weight:400;color:var(--muted);font-size:12px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 .2rem 0 .6rem;vertical-align:-1px}
.sw.bar,.sw.line{background:var(--accent)}.sw.bar-alt,.sw.line-alt{background:var(--accent-2)}
svg.chart{width:100%;height:200px;display:block}
svg.chart .bar{fill:var(--accent);opacity:.85}
svg.chart .bar-alt{fill:var(--accent-2)}
svg.chart .line{stroke:var(--accent);stroke-width:2}
svg.chart .line-alt{stroke:var(--accent-2);stroke-width:2}
svg.chart .line-dot{fill:var(--accent)}svg.chart .line-alt-dot{fill:var(--accent-2)}
svg.chart .grid{stroke:var(--line);stroke-width:1}
svg.chart .tick{fill:var(--muted);font-size:10px}
svg.chart .hit{fill:transparent}
svg.chart g:hover .bar,svg.chart .hit:hover{opacity:1;fill-opacity:.15}
.toolbar{display:flex;flex-wrap:wrap;gap:.75rem;justify-content:space-between;margin-bottom:.75rem}
.chips{display:flex;gap:.3rem}
.chip{padding:.25rem .6rem;border-radius:999px;background:var(--chip);text-decoration:none;color:var(--fg);font-size:13px}
.chip[aria-current=true]{background:var(--accent);color:#fff}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
table.data{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
table.data th,table.data td{padding:.45rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
table.data thead th{font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap;background:var(--card)}
table.data th a{color:inherit;text-decoration:none}
table.data .n{text-align:right;white-space:nowrap}
table.data tbody tr:hover{background:var(--chip)}
tr.clickable{cursor:pointer}
tfoot th,tfoot td{font-weight:650}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:999px;font-size:12px;border:1px solid currentColor;margin:0 .15rem .15rem 0}
.badge.ok{color:var(--ok)}.badge.bad{color:var(--bad)}.badge.warn{color:var(--warn)}.badge.cap{color:var(--muted)}
svg.budget{width:140px;height:8px;display:block;margin:.2rem 0}
svg.budget .track{fill:var(--chip)}svg.budget.ok .fill{fill:var(--ok)}svg.budget.warn .fill{fill:var(--warn)}svg.budget.over .fill{fill:var(--bad)}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:flex-end;margin-bottom:.75rem}
form.filters label,.grid-form label,form.playground>label{display:flex;flex-direction:column;font-size:12px;color:var(--muted);gap:.2rem}
.grid-form{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.6rem .9rem}
.form-actions{grid-column:1/-1;display:flex;gap:.5rem;align-items:center;margin-top:.4rem}
input,select,textarea{font:inherit;color:var(--fg);background:var(--input);border:1px solid var(--line);border-radius:6px;padding:.35rem .5rem}
textarea{width:100%;resize:vertical}
button,.button{font:inherit;cursor:pointer;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:6px;padding:.35rem .8rem;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:transparent;border-color:var(--bad);color:var(--bad)}
button.small,.button.small{padding:.15rem .5rem;font-size:12px}
button:disabled{opacity:.5;cursor:default}
form.inline{display:inline}
.actions{white-space:nowrap}.actions>*{margin-right:.3rem}
.notice{padding:.5rem .75rem;border-radius:8px;background:var(--chip)}
.notice.error{color:var(--bad);border:1px solid var(--bad);background:transparent}
.copy-row{display:flex;gap:.4rem;align-items:center}
.copy-row input{flex:1;min-width:0}
.secret input{font-family:ui-monospace,Menlo,Consolas,monospace}
.secret{border-color:var(--ok)}
main.login{max-width:380px;padding-top:12vh}
main.login form{display:flex;flex-direction:column;gap:.6rem}
dl.details{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.25rem;margin:0}
dl.details dt,dl.meta dt{color:var(--muted)}dl.details dd,dl.meta dd{margin:0;word-break:break-all}
dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr max-content 1fr;gap:.3rem .75rem;margin:0 0 .75rem}
.playground .grid-form{grid-template-columns:minmax(200px,1fr) minmax(280px,2fr)}
.playground .copy-row{width:100%}
.stat .value.triple{font-size:1rem}
pre.output{white-space:pre-wrap;min-height:6rem;background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:.75rem;margin:0}
ul.plain{list-style:none;margin:0;padding:0}
@media (max-width:700px){main{padding:.6rem}.charts{grid-template-columns:1fr}.top-right{margin-left:0}dl.meta{grid-template-columns:max-content 1fr}
table.data th,table.data td{padding:.35rem .4rem}.stats{grid-template-columns:repeat(2,1fr)}}
"""#

    static let javascript = #"""
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Copy buttons: data-copy names the element whose value (or text) is copied.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    const text = source.value !== undefined ? source.value : source.textContent;
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) {
      if (source.select) { source.select(); document.execCommand && document.execCommand("copy"); }
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });

  // Forms that ask first (revoking a key).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // Request log rows open their details.
  document.addEventListener("click", (event) => {
    if (event.target.closest("a, button, input, select")) return;
    const row = event.target.closest("tr[data-href]");
    if (row) window.location.href = row.dataset.href;
  });

  // Live refresh: the page's <main> is fetched again every data-refresh seconds.
  function startRefresh() {
    const main = document.getElementById("main");
    const toggle = document.getElementById("live-refresh");
    if (!main || !main.dataset.refresh || !toggle) return;
    const every = Math.max(2000, Number(main.dataset.refresh) * 1000 || 5000);
    setInterval(async () => {
      if (!toggle.checked || document.hidden) return;
      const focused = document.activeElement;
      if (focused && main.contains(focused) && focused.matches("input, select, textarea")) return;  // someone is typing
      try {
        const response = await fetch(window.location.href, { credentials: "same-origin", redirect: "manual" });
        if (response.type === "opaqueredirect" || response.status !== 200) { if (response.status !== 200) window.location.reload(); return; }
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.getElementById("main");
        if (fresh && fresh.innerHTML !== main.innerHTML) main.innerHTML = fresh.innerHTML;
      } catch (_) { /* the next tick tries again */ }
    }, every);
  }

  // The playground: a streamed chat completion through the gateway.
  function startPlayground() {
    const form = document.getElementById("playground");
    if (!form) return;
    const $ = (id) => document.getElementById(id);
    let controller = null;
    $("pg-mint").addEventListener("click", async () => {
      $("pg-status").textContent = "minting a key…";
      const response = await fetch("/dashboard/playground/key", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrf() } });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || !body.key) { $("pg-status").textContent = "could not mint a key: " + (body.error || response.status); return; }
      $("pg-key").value = body.key;
      $("pg-status").textContent = "minted " + body.id + " (expires " + body.expires_at + ")";
    });
    $("pg-stop").addEventListener("click", () => { if (controller) controller.abort(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const output = $("pg-output");
      output.textContent = "";
      for (const id of ["pg-route", "pg-served", "pg-deployment", "pg-attempts", "pg-cost"]) $(id).textContent = "–";
      $("pg-status").textContent = "sending…";
      $("pg-send").disabled = true; $("pg-stop").disabled = false;
      controller = new AbortController();
      const headers = { "content-type": "application/json" };
      const key = $("pg-key").value.trim();
      if (key) headers.authorization = "Bearer " + key;
      const body = { model: $("pg-model").value, stream: true, stream_options: { include_usage: true },
                     messages: [{ role: "user", content: $("pg-prompt").value }] };
      try {
        const response = await fetch("/v1/chat/completions", { method: "POST", headers, body: JSON.stringify(body), signal: controller.signal });
        $("pg-route").textContent = response.headers.get("x-switchyard-route") || "–";
        $("pg-served").textContent = response.headers.get("x-switchyard-model") || "–";
        $("pg-deployment").textContent = response.headers.get("x-switchyard-deployment") || "–";
        $("pg-attempts").textContent = response.headers.get("x-switchyard-attempts") || "–";
        if (!response.ok) {
          const error = await response.json().catch(() => ({}));
          $("pg-status").textContent = "error " + response.status;
          output.textContent = (error.error && error.error.message) || ("HTTP " + response.status);
          return;
        }
        $("pg-status").textContent = "streaming…";
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "", tokens = 0;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
            for (const line of event.split("\n")) {
              if (line.startsWith(": x-switchyard-cost-usd=")) $("pg-cost").textContent = "$" + line.slice(24);
              if (!line.startsWith("data: ")) continue;
              const data = line.slice(6);
              if (data === "[DONE]") continue;
              let chunk; try { chunk = JSON.parse(data); } catch (_) { continue; }
              if (chunk.error) { $("pg-status").textContent = "failed: " + chunk.error.message; continue; }
              for (const choice of chunk.choices || []) {
                const delta = choice.delta || {};
                if (delta.content) { output.textContent += delta.content; tokens += 1; }
              }
              if (chunk.usage && chunk.usage.cost_usd !== undefined) $("pg-cost").textContent = "$" + chunk.usage.cost_usd;
            }
          }
          $("pg-status").textContent = "streaming… " + tokens + " chunks";
        }
        if (!$("pg-status").textContent.startsWith("failed")) $("pg-status").textContent = "done (" + tokens + " chunks)";
      } catch (error) {
        $("pg-status").textContent = error.name === "AbortError" ? "stopped" : "error: " + error.message;
      } finally {
        $("pg-send").disabled = false; $("pg-stop").disabled = true; controller = null;
      }
    });
  }

  startRefresh();
  startPlayground();
})();
"""#
}
