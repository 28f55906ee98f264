// ES module resolve hooks for a function's execution environment: a bare import that the
// function's own folders cannot satisfy is looked up in the runtime-provided folders, as the
// Lambda Node.js runtime provides AWS SDK v3 to ES modules too. NODE_PATH, which serves
// CommonJS, does not apply to ES modules. Registered by local/runtime/worker.ts with module.register().

/** file: URLs of folders that hold runtime-provided packages, each ending in '/'. */
let providedFolders = [];

/** @param {{ providedFolders: string[] }} data */
export function initialize(data) {
  providedFolders = data.providedFolders;
}

/** A bare specifier names a package: not relative, absolute, or a URL. */
function isBare(specifier) {
  return !/^(?:\.{0,2}\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier)) throw err;
    for (const folder of providedFolders) {
      try {
        // Resolving from a file inside the folder finds `<folder>/<package>`.
        return await nextResolve(specifier, { ...context, parentURL: new URL('provided.mjs', folder).href });
      } catch {
        // Not in this folder; try the next, then report the original error.
      }
    }
    throw err;
  }
}
