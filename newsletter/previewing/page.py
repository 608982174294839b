"""The control page of `preview --serve`: switches for format, width, scheme and subscriber
around an iframe holding the issue, and a script that reloads it when a file changes.

Pure: renders a string from the values it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

__all__ = ["render_page"]

PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {{ subject or name }}</title>
<style>
  :root { color-scheme: light; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
         background: #e9ecef; color: #1f2328; }
  header { background: #ffffff; border-bottom: 1px solid #d0d7de; padding: 10px 16px 12px; }
  h1 { margin: 0; font-size: 17px; }
  .subject { margin: 2px 0 10px; color: #424a53; overflow-wrap: anywhere; }
  form { display: flex; flex-wrap: wrap; gap: 8px 22px; align-items: center; margin: 0; }
  fieldset { display: flex; gap: 4px; align-items: center; border: 0; margin: 0; padding: 0; }
  legend { float: left; margin-right: 6px; padding: 0; font-weight: 600; }
  label.choice { display: inline-flex; align-items: center; gap: 4px; padding: 3px 9px;
                 border: 1px solid #d0d7de; border-radius: 6px; cursor: pointer; background: #f6f8fa; }
  label.choice:has(input:checked) { background: #0b5cad; border-color: #0b5cad; color: #ffffff; }
  label.field { font-weight: 600; }
  select, input[type=date] { font: inherit; font-weight: normal; margin-left: 4px; }
  .error { margin: 0; padding: 10px 16px; background: #ffebe9; color: #82071e;
           border-bottom: 1px solid #ff8182; white-space: pre-wrap; overflow-wrap: anywhere;
           font: 14px/1.45 ui-monospace, Menlo, Consolas, monospace; }
  .notes { margin: 0; padding: 8px 16px 8px 34px; background: #fff8c5; color: #3b2300;
           border-bottom: 1px solid #d4a72c; }
  main { display: flex; justify-content: center; padding: 16px 8px; }
  iframe { display: block; height: calc(100vh - 230px); min-height: 480px; max-width: 100%;
           border: 1px solid #afb8c1; background: #ffffff; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  iframe.dark { background: #0d1117; color-scheme: dark; }
  footer { padding: 0 16px 24px; color: #424a53; font-size: 14px; text-align: center; }
  footer p { margin: 4px 0; }
  code { padding: 1px 5px; border-radius: 4px; background: #ffffff; border: 1px solid #d0d7de;
         font: 13px ui-monospace, Menlo, Consolas, monospace; }
  #live { font-weight: 600; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>
  <h1>{{ name }}: preview</h1>
  <p class="subject" id="subject">{% if subject %}Subject: {{ subject }}{% endif %}</p>
  <form id="controls" method="get" action="/">
    <label class="field">Date <input type="date" name="date" value="{{ day }}"></label>
    <label class="field">Subscriber
      <select name="subscriber">
        {%- for s in subscribers %}
        <option value="{{ s.email }}"{% if s.email == chosen %} selected{% endif %}>{{ s.label }}</option>
        {%- endfor %}
      </select>
    </label>
    <fieldset><legend>Format</legend>
      {%- for value, text in [("html", "HTML"), ("text", "Text")] %}
      <label class="choice"><input type="radio" name="format" value="{{ value }}"{% if value == fmt %} checked{% endif %}> {{ text }}</label>
      {%- endfor %}
    </fieldset>
    <fieldset><legend>Width</legend>
      {%- for value, text in widths %}
      <label class="choice"><input type="radio" name="width" value="{{ value }}"{% if value == width %} checked{% endif %}> {{ text }}</label>
      {%- endfor %}
    </fieldset>
    <fieldset><legend>Scheme</legend>
      {%- for value, text in [("light", "Light"), ("dark", "Dark")] %}
      <label class="choice"><input type="radio" name="scheme" value="{{ value }}"{% if value == scheme %} checked{% endif %}> {{ text }}</label>
      {%- endfor %}
    </fieldset>
    <fieldset><legend>Client</legend>
      {%- for value, text in [("full", "Every CSS"), ("strict", "Strict: no <style>, no overflow-wrap (Gmail, Outlook, Yahoo)")] %}
      <label class="choice"><input type="radio" name="client" value="{{ value }}"{% if value == client %} checked{% endif %}> {{ text }}</label>
      {%- endfor %}
    </fieldset>
    <noscript><button type="submit">Show</button></noscript>
  </form>
</header>
<pre class="error" id="error" role="alert"{% if not error %} hidden{% endif %}>{{ error }}</pre>
<ul class="notes" id="notes"{% if not notes %} hidden{% endif %}>
  {%- for note in notes %}<li>{{ note }}</li>{% endfor %}
</ul>
<main>
  <iframe id="issue" class="{{ scheme }}" title="The issue as {{ chosen or 'a subscriber' }} gets it"
          src="/issue?{{ query }}" style="width: {{ width }}px"></iframe>
</main>
<footer>
  <p id="live">Live: reloads by itself when an article, a template, newsletter.yaml or subscribers.yaml changes.</p>
  <p>Send this issue to yourself as a test (any address; subscribers get nothing):
     <code>newsletter send{{ date_option }} --to you@example.com</code></p>
  <p>A picture of this view: <code>newsletter preview{{ date_option }}{{ subscriber_option }}{{ format_option }} --screenshot issue.png --width {{ width }}{% if scheme == "dark" %} --dark{% endif %}</code>
     · the whole message: <a href="/message.eml?{{ query }}">message.eml</a></p>
</footer>
<script>
(function () {
  "use strict";
  var form = document.getElementById("controls");
  var frame = document.getElementById("issue");
  var live = document.getElementById("live");
  var version = {{ version | tojson }};
  var scroll = 0;
  form.addEventListener("change", function () { form.submit(); });
  frame.addEventListener("load", function () {
    try { frame.contentWindow.scrollTo(0, scroll); } catch (e) {}
  });
  function show(id, text) {
    var box = document.getElementById(id);
    box.hidden = !text;
    box.textContent = text || "";
  }
  function refresh(paths) {
    fetch("/status?" + {{ query | tojson }}).then(function (r) { return r.json(); }).then(function (s) {
      show("error", s.error);
      show("subject", s.subject ? "Subject: " + s.subject : "");
      var notes = document.getElementById("notes");
      notes.innerHTML = "";
      (s.notes || []).forEach(function (n) {
        var li = document.createElement("li"); li.textContent = n; notes.appendChild(li);
      });
      notes.hidden = !(s.notes || []).length;
    }).catch(function () {});
    try { scroll = frame.contentWindow.scrollY; } catch (e) { scroll = 0; }
    frame.contentWindow.location.reload();
    var when = new Date().toLocaleTimeString();
    live.textContent = "Reloaded at " + when + (paths && paths.length ? " after a change to " + paths.join(", ") : "") + ".";
  }
  if (window.EventSource) {
    var events = new EventSource("/events");
    events.addEventListener("hello", function (e) {
      var now = JSON.parse(e.data).version;
      if (now !== version) { version = now; refresh([]); }
    });
    events.addEventListener("change", function (e) {
      var data = JSON.parse(e.data);
      version = data.version;
      refresh(data.paths);
    });
    events.onerror = function () {
      live.textContent = "Not connected: is `newsletter preview --serve` still running?";
    };
  }
})();
</script>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_TEMPLATE = _ENV.from_string(PAGE)


def render_page(values: Mapping[str, Any]) -> str:
    """The control page; `values` as built by `server.page_values`."""
    return _TEMPLATE.render(values)
