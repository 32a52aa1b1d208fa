// History: on a phone the filters beyond the search box start folded, unless some are in use.

const more = document.querySelector("details[data-collapse-on-phone]");
if (more && !("active" in more.dataset) && window.matchMedia("(max-width: 700px)").matches) {
  more.open = false;
}
