// Which page the address's fragment names.

/// The page and its argument: `#/streams/<id>` is {name: "streams", arg: "<id>"} (the argument
/// percent-decoded); a fragment naming none of `names` is the first of them.
export function route(hash, names) {
  const [name, ...rest] = hash.replace(/^#\/?/, "").split("/");
  if (!names.includes(name)) return { name: names[0], arg: "" };
  const raw = rest.join("/");
  try {
    return { name, arg: decodeURIComponent(raw) };
  } catch {
    return { name, arg: raw };  // not percent-encoding: taken as written
  }
}
