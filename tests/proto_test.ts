// Names read from files never become object keys with a meaning: a
// safetensors tensor or metadata key "__proto__" is a name like any other,
// in Deno (where `__proto__` is switched off) and in Node (where it is live).
import { assert, assertEquals } from "@std/assert";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.ts";

/** A file whose tensor and metadata names are `__proto__` and friends. */
function roundTrip() {
  const tensors: Record<string, { shape: number[]; data: Float64Array }> =
    Object.create(null);
  tensors["__proto__"] = { shape: [2], data: new Float64Array([1, 2]) };
  tensors["constructor"] = { shape: [1], data: new Float64Array([3]) };
  tensors["W1"] = { shape: [1], data: new Float64Array([4]) };
  const metadata: Record<string, string> = Object.create(null);
  metadata["__proto__"] = "meta";
  const bytes = encodeSafetensors(tensors, { metadata });
  const file = decodeSafetensors(bytes);
  // The decoder takes its own encoder's output back, names and all.
  const again = decodeSafetensors(
    encodeSafetensors(file.tensors, { metadata: file.metadata }),
  );
  return {
    names: Object.keys(file.tensors),
    proto: Array.from(file.tensors["__proto__"].data),
    meta: file.metadata["__proto__"],
    againNames: Object.keys(again.tensors),
  };
}

const EXPECTED = {
  names: ["__proto__", "constructor", "W1"],
  proto: [1, 2],
  meta: "meta",
  againNames: ["__proto__", "constructor", "W1"],
};

Deno.test("safetensors names __proto__ and constructor stay names (Deno)", () => {
  assertEquals(roundTrip(), EXPECTED);
});

Deno.test("safetensors names __proto__ and constructor stay names (Node, where __proto__ is live)", async () => {
  const node = new Deno.Command("node", { args: ["--version"] });
  if (!(await node.output().then((o) => o.success, () => false))) {
    throw new Error(
      "node is required for this test (Node 20 on this machine kind)",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "dlfs-proto-" });
  try {
    const entry = `${dir}/entry.ts`, bundle = `${dir}/entry.mjs`;
    const here = new URL("../io/safetensors.ts", import.meta.url).href;
    await Deno.writeTextFile(
      entry,
      `import { decodeSafetensors, encodeSafetensors } from "${here}";\n` +
        `${roundTrip.toString()}\nconsole.log(JSON.stringify(roundTrip()));\n`,
    );
    const built = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "node", "-o", bundle, entry],
    }).output();
    assert(built.success, new TextDecoder().decode(built.stderr));
    const run = await new Deno.Command("node", { args: [bundle] }).output();
    assert(run.success, new TextDecoder().decode(run.stderr));
    assertEquals(
      JSON.parse(new TextDecoder().decode(run.stdout)),
      EXPECTED,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
