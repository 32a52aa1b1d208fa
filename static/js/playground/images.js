// Images on user messages, as OpenAI `image_url` content parts: paste, drop or pick a file,
// or give an http(s) URL; thumbnails with remove buttons. An upload becomes a data URL kept in
// the message (and so in the draft, runs, templates and View code), checked here by its bytes
// as the server checks it again (completions/images.py). Big pictures are scaled down to
// 2048 px on their long side first: what OpenAI keeps of them anyway, and rows stay small.

const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
const LONG_SIDE = 2048;
const $ = (selector, root = document) => root.querySelector(selector);

export function sniff(bytes) {
  const starts = (...values) => values.every((value, index) => bytes[index] === value);
  const text = (from, to) => String.fromCharCode(...bytes.slice(from, to));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (["GIF87a", "GIF89a"].includes(text(0, 6))) return "image/gif";
  if (text(0, 4) === "RIFF" && text(8, 12) === "WEBP") return "image/webp";
  return null;
}

const isData = (url) => url.slice(0, 5).toLowerCase() === "data:";
const size = (bytes) => (bytes >= 100_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.ceil(bytes / 1000)} KB`);

function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

// A picture over 2048 px on its long side, scaled down; one over the byte limit, encoded again
// (as JPEG if need be) to fit. Animated GIFs are kept whole: a canvas keeps one frame.
async function scaledDown(blob, type, maxBytes) {
  if (type === "image/gif" || typeof createImageBitmap !== "function") return blob;
  const bitmap = await createImageBitmap(blob);
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  if (scale === 1 && blob.size <= maxBytes) return blob;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const encode = (as, quality) => new Promise((resolve) => canvas.toBlob(resolve, as, quality));
  let smaller = await encode(type === "image/jpeg" ? "image/jpeg" : type, 0.9);
  if (!smaller || smaller.size > maxBytes) smaller = await encode("image/jpeg", 0.85); // photos saved as PNG
  if (!smaller) return blob;
  return scale < 1 || smaller.size < blob.size ? smaller : blob;
}

// {url, name} for a file, or an Error saying what is wrong with it.
export async function imageFromFile(file, { maxBytes }) {
  const name = file.name || "The pasted image";
  const type = sniff(new Uint8Array(await file.slice(0, 16).arrayBuffer()));
  if (!TYPES.includes(type)) throw new Error(`${name} is not a PNG, JPEG, WebP or GIF image.`);
  let blob = new Blob([file], { type }); // the type its bytes say, whatever the file was called
  try {
    blob = await scaledDown(blob, type, maxBytes);
  } catch {
    // A picture the browser cannot draw is sent as it is, if it fits.
  }
  if (blob.size > maxBytes) throw new Error(`${name} is ${size(blob.size)}; an image may be at most ${size(maxBytes)}.`);
  return { url: await dataUrl(blob) }; // the canvas's blobs carry the type they were encoded as
}

export function checkLink(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    throw new Error("Give a full address, like https://example.com/picture.png.");
  }
  if (!["http:", "https:"].includes(url.protocol)) throw new Error("Image links must start with http:// or https://.");
  return { url: url.href };
}

// The images of a message's content (an array of parts), as the editor keeps them.
export function imagesOf(content) {
  if (!Array.isArray(content)) return [];
  return content.filter((part) => part?.type === "image_url" && typeof part.image_url?.url === "string").map((part) => ({ ...part.image_url }));
}

// A user message's content with its images: a text part (when there is text), then the images.
export function contentWithImages(text, images) {
  if (!images?.length) return text;
  return [...(text ? [{ type: "text", text }] : []), ...images.map((image) => ({ type: "image_url", image_url: { ...image } }))];
}

// The body with long data URLs cut short, for showing code (Copy copies the whole).
export function briefImages(body) {
  let count = 0;
  const messages = body.messages.map((message) => {
    if (!Array.isArray(message.content)) return message;
    const content = message.content.map((part) => {
      const url = part?.image_url?.url;
      if (part?.type !== "image_url" || typeof url !== "string" || !isData(url) || url.length <= 1000) return part;
      count += 1;
      const [head, data] = url.split(",", 2);
      const shown = `${head},${data.slice(0, 24)}…(${size((data.length * 3) / 4)} shortened here; Copy copies it whole)`;
      return { ...part, image_url: { ...part.image_url, url: shown } };
    });
    return { ...message, content };
  });
  return { body: { ...body, messages }, count };
}

// The state without uploaded images (links stay): what a draft keeps when the browser's
// storage has no room for the uploads.
export function withoutUploads(state) {
  return { ...state, messages: state.messages.map((m) => ({ ...m, images: (m.images || []).filter((i) => !isData(i.url)) })) };
}

function countImages(state) {
  return state.messages.reduce((sum, m) => sum + (m.role === "user" ? (m.images || []).length : 0), 0);
}

function shortLink(text) {
  try {
    const url = new URL(text);
    const file = url.pathname.split("/").pop();
    return file ? `${url.host}/…/${file}` : url.host;
  } catch {
    return text.slice(0, 40);
  }
}

function thumbnail(image, index, remove) {
  const item = document.createElement("li");
  item.className = "pg-thumb";
  if (/^data:image\/(png|jpeg|webp|gif)[;,]/i.test(image.url)) {
    const img = document.createElement("img");
    img.src = image.url; // an image's data, never a script: nothing else is put in an <img>
    img.alt = `Image ${index + 1}`;
    item.append(img);
  } else {
    // A link is not loaded here (the page allows no other origin, and loading it would tell
    // that host who looks): its address is shown, the upstream fetches it.
    const link = document.createElement("span");
    link.className = "pg-thumb-link small";
    link.title = image.url;
    const label = Object.assign(document.createElement("span"), { className: "muted", textContent: "Image link" });
    link.append(label, shortLink(image.url));
    item.append(link);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-small icon btn-danger pg-thumb-remove";
  button.textContent = "✕";
  button.setAttribute("aria-label", `Remove image ${index + 1}`);
  button.onclick = remove;
  item.append(button);
  return item;
}

// The images row of one message editor `item`: thumbnails, + Image (a file), Image URL, and
// paste and drop on the message. Shown on user messages only (CSS, by the item's data-role).
export function renderImages(item, message, { state, changed, limits }) {
  message.images ||= [];
  const box = $("#images-template").content.firstElementChild.cloneNode(true);
  $('input[type="file"]', box).accept = TYPES.join(",");
  const error = $("[data-error]", item);
  const say = (text) => { error.textContent = text; };
  const draw = () => {
    $(".pg-thumbs", box).replaceChildren(...message.images.map((image, index) => thumbnail(image, index, () => {
      message.images.splice(index, 1);
      draw();
      changed();
    })));
  };
  const add = (image) => {
    if (countImages(state) >= limits.maxImages) throw new Error(`At most ${limits.maxImages} images in one request.`);
    message.images.push(image);
    draw();
    changed();
  };
  const addFiles = async (files) => {
    say("");
    for (const file of files) {
      try {
        add(await imageFromFile(file, limits));
      } catch (problem) {
        say(problem.message);
      }
    }
  };
  const picker = $('input[type="file"]', box);
  picker.onchange = () => { addFiles([...picker.files]); picker.value = ""; };
  const form = $(".pg-image-url", box);
  $("[data-image-link]", box).onclick = () => { form.hidden = false; $("input", form).focus(); };
  $("[data-cancel]", form).onclick = () => { form.hidden = true; say(""); };
  form.onsubmit = (event) => {
    event.preventDefault();
    try {
      add(checkLink($("input", form).value));
      $("input", form).value = "";
      form.hidden = true;
      say("");
    } catch (problem) {
      say(problem.message);
    }
  };
  $('[data-field="content"]', item).addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files || [])].filter((file) => file.type.startsWith("image/"));
    if (message.role !== "user" || !files.length) return; // text pastes as text
    event.preventDefault();
    addFiles(files);
  });
  item.addEventListener("dragover", (event) => {
    if (message.role !== "user" || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    item.classList.add("is-drop-target");
  });
  item.addEventListener("dragleave", () => item.classList.remove("is-drop-target"));
  item.addEventListener("drop", (event) => {
    item.classList.remove("is-drop-target");
    const files = [...(event.dataTransfer?.files || [])];
    if (message.role !== "user" || !files.length) return;
    event.preventDefault(); // a file the page does not take must not replace the page either
    addFiles(files); // what is no image is named in the message's error
  });
  draw();
  $("[data-error]", item).before(box);
}
