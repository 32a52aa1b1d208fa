// Keeps the answer in view while it streams. On a wide screen the answer pane scrolls on its
// own and follows its newest tokens; on a narrow one the page is scrolled to the answer when a
// run starts and then follows its end. Scrolling up to read stops the following; scrolling
// back down to the end starts it again.

const SLACK = 8; // px: "at the end" despite rounding
const MARGIN = 12; // px left below the answer on a phone

export class Follower {
  constructor(pane, wide) {
    this.pane = pane;
    this.wide = wide; // a MediaQueryList: does the pane scroll (true) or the page?
    this.on = false;
    this.mark = 0; // the scroll position we last saw or set
    const scrolled = () => this.scrolled();
    pane.addEventListener("scroll", scrolled, { passive: true });
    window.addEventListener("scroll", scrolled, { passive: true });
  }

  position() {
    return this.wide.matches ? this.pane.scrollTop : window.scrollY;
  }

  // The scroll position that shows the end of the answer.
  target() {
    if (this.wide.matches) return this.pane.scrollHeight - this.pane.clientHeight;
    return window.scrollY + this.pane.getBoundingClientRect().bottom - window.innerHeight + MARGIN;
  }

  scrollTo(top) {
    if (this.wide.matches) this.pane.scrollTop = top;
    else window.scrollTo({ top, behavior: "instant" });
    this.mark = this.position();
  }

  // A run starts: the top of the answer in view, following from there.
  start() {
    if (this.wide.matches) this.scrollTo(0);
    else {
      this.pane.scrollIntoView({ block: "start", behavior: "instant" });
      this.mark = this.position();
    }
    this.on = true;
  }

  // New text arrived: bring the end of the answer into view, unless the person scrolled away.
  keep() {
    if (!this.on) return;
    // Scrolled up since we last looked, its scroll event not handled yet: stop here too, or
    // this scroll would undo the reader's.
    if (this.position() < this.mark - SLACK) {
      this.on = false;
      this.mark = this.position();
      return;
    }
    const target = this.target();
    if (target > this.position() + 1) this.scrollTo(target);
  }

  scrolled() {
    const top = this.position();
    if (top < this.mark - SLACK) this.on = false; // up: the person is reading
    else if (top >= this.target() - SLACK) this.on = true; // back at the end
    this.mark = top;
  }
}
