// Model output is untrusted. Markdown is rendered with raw HTML disabled, links limited to
// http(s)/mailto, images shown as links (never auto-loaded: they could leak data), and the
// result sanitised again by DOMPurify before it reaches the page.

import DOMPurify from "../../vendor/dompurify-3.4.18/purify.js";
import MarkdownIt from "../../vendor/markdown-it-15.0.3/markdown-it.js";

const md = new MarkdownIt({ html: false, linkify: true, breaks: false });
const SAFE_LINK = /^(https?:|mailto:)/i;
md.validateLink = (url) => SAFE_LINK.test(url.trim());

md.renderer.rules.image = (tokens, index) => {
  const token = tokens[index];
  const src = token.attrGet("src") || "";
  const alt = token.content || "image";
  return `<a href="${md.utils.escapeHtml(src)}">[image: ${md.utils.escapeHtml(alt)}]</a>`;
};

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") || "";
    if (!SAFE_LINK.test(href)) node.removeAttribute("href");
    node.setAttribute("rel", "noopener noreferrer nofollow");
    node.setAttribute("target", "_blank");
  }
});

const PURIFY = { FORBID_TAGS: ["img", "style", "form", "input", "button", "iframe", "svg", "math"], FORBID_ATTR: ["style"] };

export function renderMarkdown(element, text) {
  element.innerHTML = DOMPurify.sanitize(md.render(text || ""), PURIFY);
}
