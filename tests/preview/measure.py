"""What a reader's browser shows, measured inside headless Chromium: width, alt text,
contrast and the unsubscribe link. Used by the browser tests; run on any page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from newsletter.screenshot import Page

# Runs in the page; returns plain JSON. Contrast follows WCAG 2.x: relative luminance of
# the text colour against the background actually behind it, found by walking up the
# ancestors and blending translucent layers over the page's canvas colour.
SCRIPT = r"""
(() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, under) => {
    const a = top.a + under.a * (1 - top.a);
    if (a === 0) return {r: 0, g: 0, b: 0, a: 0};
    const mix = (x, y) => (x * top.a + y * under.a * (1 - top.a)) / a;
    return {r: mix(top.r, under.r), g: mix(top.g, under.g), b: mix(top.b, under.b), a};
  };
  const canvas = parse(getComputedStyle(document.documentElement).colorScheme.includes("dark")
      && matchMedia("(prefers-color-scheme: dark)").matches ? "rgb(18, 18, 18)" : "rgb(255, 255, 255)");
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg && bg.a > 0) layers.push(bg);
      if (bg && bg.a >= 1) break;
    }
    let colour = canvas;
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const shown = (el) => {
    if (!el.getClientRects().length) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === "hidden" || s.display === "none" || Number(s.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const texts = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!own || !shown(el)) continue;
    const s = getComputedStyle(el);
    const fg = parse(s.color);
    const bg = background(el);
    const colour = over(fg, bg);
    texts.push({text: own.slice(0, 60), tag: el.tagName.toLowerCase(), ratio: ratio(colour, bg),
                colour: s.color, background: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`,
                size: parseFloat(s.fontSize)});
  }
  const images = Array.from(document.images).map((img) => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt"),
    decorative: img.getAttribute("role") === "presentation" || img.getAttribute("aria-hidden") === "true"}));
  const unsubscribe = Array.from(document.links).filter((a) => /unsubscribe/i.test(a.textContent)).map((a) => {
    const r = a.getBoundingClientRect();
    return {text: a.textContent.trim(), href: a.href, shown: shown(a), width: r.width, height: r.height,
            left: r.left + scrollX, right: r.right + scrollX,
            size: parseFloat(getComputedStyle(a).fontSize)};
  });
  return {viewport: document.documentElement.clientWidth, innerWidth: innerWidth,
          scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
          dark: matchMedia("(prefers-color-scheme: dark)").matches,
          texts, images, unsubscribe};
})()
"""


@dataclass(frozen=True)
class Measures:
    viewport: int
    scroll_width: int
    dark: bool
    texts: list[dict[str, Any]]
    images: list[dict[str, Any]]
    unsubscribe: list[dict[str, Any]]

    def low_contrast(self, minimum: float = 4.5) -> list[dict[str, Any]]:
        return [t for t in self.texts if t["ratio"] < minimum]

    def min_contrast(self) -> dict[str, Any]:
        return min(self.texts, key=lambda t: t["ratio"])

    def images_without_alt(self) -> list[dict[str, Any]]:
        return [
            i
            for i in self.images
            if i["alt"] is None or (not i["alt"].strip() and not i["decorative"])
        ]

    def visible_unsubscribe(self) -> list[dict[str, Any]]:
        return [
            u
            for u in self.unsubscribe
            if u["shown"]
            and u["width"] >= 1
            and u["height"] >= 1
            and u["size"] >= 10
            and u["left"] >= 0
            and u["right"] <= self.viewport
        ]


def measure(page: Page, html: str) -> Measures:
    """Load `html` into `page` (its width and scheme already set) and measure it."""
    page.load(html)
    found = page.evaluate(SCRIPT)
    return Measures(
        viewport=found["viewport"],
        scroll_width=found["scrollWidth"],
        dark=found["dark"],
        texts=found["texts"],
        images=found["images"],
        unsubscribe=found["unsubscribe"],
    )
