// Face crops as <img>s: an <img src> cannot send the API key, so each crop is fetched with it
// and shown from an object URL, kept until the view that showed it closes.

import { authorizedFetch } from "./api.js";

/** A cache of crops by URL: `show(img, url)` fills the image (or says the crop is missing),
 * `clear()` frees every object URL. */
export function cropCache() {
  const urls = new Map();
  return {
    async show(img, url) {
      try {
        if (!urls.has(url)) {
          const response = await authorizedFetch(url);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          urls.set(url, URL.createObjectURL(await response.blob()));
        }
        img.src = urls.get(url);
      } catch {
        img.replaceWith(Object.assign(document.createElement("span"), {
          className: "placeholder",
          textContent: "crop not available",
        }));
      }
    },
    clear() {
      for (const objectUrl of urls.values()) URL.revokeObjectURL(objectUrl);
      urls.clear();
    },
  };
}
