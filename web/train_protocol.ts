// The messages between the train page (web/train.ts) and its Worker
// (web/train_worker.ts), and the runs the page offers: the same as
// `deno task train --net NAME` with the CLI's defaults.

import type { EpochRecord } from "../net/trainer.ts";
import type { NetKind } from "../net/registry.ts";
import type { NetSpec } from "../net/network.ts";
import type { DType } from "../core/matrix.ts";
import type { NetView } from "./net_view.ts";

/** A run: what `deno task train` takes as flags. */
export interface RunConfig {
  /** A net kind's name (`--net`), from the registry. */
  net: string;
  iters: number;
  seed: number;
  /** 2 where the page is cross-origin isolated, else 1. */
  threads: 1 | 2;
  /** `--dtype`: the element type of the net and its kernels. */
  dtype: DType;
}

/** The net of `deno task train --net NAME` with no other flag. */
export function defaultSpec(kind: NetKind): NetSpec {
  const { hidden } = kind.defaults;
  return kind.forMnist({ hidden, batchnorm: false, weightDecay: 0 });
}

/** The same run on the command line. */
export function commandOf(c: RunConfig): string {
  return `deno task train --net ${c.net} --iters ${c.iters} --seed ${c.seed} --threads ${c.threads}${
    c.dtype === "float64" ? "" : ` --dtype ${c.dtype}`
  }`;
}

/** Page → worker. */
export type ToWorker =
  | { type: "start"; config: RunConfig; base: string }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "gradientCheck" }
  | { type: "misclassified" }
  | { type: "save"; format: "safetensors" | "onnx" };

/** Worker → page. */
export type FromWorker =
  | { type: "status"; text: string }
  | {
    type: "started";
    title: string;
    kernels: string;
    threads: number;
    maxIter: number;
    /** Whether the net is small enough for the gradient check. */
    checkable: boolean;
  }
  | {
    type: "progress";
    iteration: number;
    /** The losses of the iterations since the last progress message. */
    losses: number[];
    /** Training seconds so far, pauses left out. */
    seconds: number;
    itPerSec: number;
    etaSeconds: number;
  }
  | { type: "epoch"; record: EpochRecord; seconds: number }
  | {
    type: "view";
    view: NetView;
    images?: { side: number; images: Float32Array[] };
  }
  | { type: "paused" | "resumed" }
  | {
    type: "done";
    /** Training seconds (pauses left out), then with the final evaluation. */
    trainingSeconds: number;
    seconds: number;
    testAcc: number;
    trainAcc: number;
  }
  | {
    type: "gradientCheck";
    diffs: Record<string, number>;
    seconds: number;
    /** The iterations done when the check ran. */
    iteration: number;
  }
  | {
    type: "misclassified";
    /** The first test images the net gets wrong (at most 20), in order. */
    digits: {
      /** Its index in the test set. */
      index: number;
      label: number;
      /** The net's class. */
      guess: number;
      /** 28×28 grey levels, 0–255. */
      pixels: Uint8Array;
    }[];
    /** How many test images were read to find them. */
    checked: number;
    /** The iterations done when they were found. */
    iteration: number;
  }
  | { type: "saved"; bytes: Uint8Array; name: string }
  | { type: "error"; message: string; fatal: boolean };
