// Material's search worker with one change: a query word that starts with "-" or "+" loses
// those characters before lunr reads the query. lunr takes a leading "-" for "must not contain"
// and a second one for a syntax error, so Dockerfile flags (--target, COPY --from,
// RUN --mount=type=secret) found nothing. The separator in mkdocs.yml already splits the index
// at "-" and "=", so the rest of the word ("target", "mount=type=secret") finds its pages.
// The page passes Material's own worker URL (it changes with every Material release).
const material = new URL(self.location.href).searchParams.get("worker");
const listen = self.addEventListener.bind(self);
const SEARCH_QUERY = 2; // Material's message type for a query

function withoutFlagSigns(query) {
  return query.replace(/(^|\s)[-+]+(?=[^\s-+])/g, "$1");
}

self.addEventListener = (type, handler, options) => listen(type, type !== "message" ? handler
  : (event) => handler(event.data && event.data.type === SEARCH_QUERY
    ? { data: { ...event.data, data: withoutFlagSigns(event.data.data) } }
    : event), options);

importScripts(material);
