// The page's layout chores: where the answer sits (beside the editor on a wide screen, under
// the conversation on a narrow one, so reading order matches what is seen), the phone
// toolbar's ⋯ menu, and no keyboard-shortcut hints on touch screens.

const $ = (selector) => document.querySelector(selector);

export const wide = window.matchMedia("(min-width: 1024px)");
const touch = window.matchMedia("(hover: none), (pointer: coarse)");

function placeResponse() {
  const response = $("#response");
  if (wide.matches) $(".pg-grid").append(response);
  else $(".pg-conversation").after(response);
}

function shortcutTitles() {
  for (const element of document.querySelectorAll("[data-shortcut-title]")) {
    if (touch.matches) element.removeAttribute("title");
    else element.title = element.dataset.shortcutTitle;
  }
}

function setUpMoreMenu() {
  const toggle = $("#more-actions");
  const menu = $("#secondary-actions");
  const show = (open) => toggle.setAttribute("aria-expanded", String(open));
  toggle.onclick = () => show(toggle.getAttribute("aria-expanded") !== "true");
  menu.addEventListener("click", (event) => { if (event.target.closest("button")) show(false); });
  document.addEventListener("click", (event) => { if (!event.target.closest(".pg-actions")) show(false); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      show(false);
      toggle.focus();
    }
  });
}

// The toolbar's height, for scrolling the answer to just below it.
function trackToolbar() {
  const toolbar = $(".pg-toolbar");
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--pg-toolbar-height", `${toolbar.offsetHeight + 8}px`);
  }).observe(toolbar);
}

export function setUpLayout() {
  placeResponse();
  wide.addEventListener("change", placeResponse);
  shortcutTitles();
  touch.addEventListener("change", shortcutTitles);
  setUpMoreMenu();
  trackToolbar();
}
