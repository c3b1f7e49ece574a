/**
 * Finds one dependency cycle among workspace packages.
 *
 * @param {Map<string, string[]>} graph package name to the names it depends on;
 *   names missing from the map are external packages and are ignored.
 * @returns {string[] | undefined} the cycle as a path that starts and ends on
 *   the same package, or undefined when the graph is acyclic.
 */
export function findCycle(graph) {
  const state = new Map(); // absent: unvisited, 1: on the current path, 2: done
  const path = [];

  const visit = (name) => {
    state.set(name, 1);
    path.push(name);
    for (const next of graph.get(name) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 1) return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state.set(name, 2);
    return undefined;
  };

  for (const name of graph.keys()) {
    if (state.get(name) === undefined) {
      const found = visit(name);
      if (found) return found;
    }
  }
  return undefined;
}
