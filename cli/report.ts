// What train.ts writes after a run: the JSON report, the SVG plot, the
// saved net (each atomically), and the one-line description of a net.

import type { NetSpec, Network } from "../net/mod.ts";
import type { EpochRecord } from "../net/trainer.ts";
import { trainingPlot } from "../io/mod.ts";
import { saveNetFile, writeFileAtomic } from "../data/mod.ts";

/** A one-line description of a net from its spec, for the header line. */
export function describe(s: NetSpec): string {
  switch (s.type) {
    case "TwoLayerNet":
      return `TwoLayerNet(${s.inputSize}, ${s.hiddenSize}, ${s.outputSize})`;
    case "SimpleConvNet":
      return `SimpleConvNet(${
        s.input.join("×")
      }, ${s.filterNum} filters ${s.filterSize}×${s.filterSize}, pool 2×2, ${s.hiddenSize}, ${s.outputSize})`;
    default:
      return `MultiLayerNet(${s.inputSize}, [${
        s.hiddenSizes.join(", ")
      }], ${s.outputSize}${s.useBatchnorm ? ", batchnorm" : ""}${
        s.useDropout ? `, dropout ${s.dropoutRatio}` : ""
      }${
        s.weightDecayLambda > 0 ? `, weight decay ${s.weightDecayLambda}` : ""
      })`;
  }
}

/** One evaluation as the report keeps it: with the wall time it came at. */
export type TimedEpoch = EpochRecord & { seconds: number };

/** What a finished run writes, where the flags ask for it. */
export interface Outputs {
  /** --save: the trained net. */
  save?: string;
  /** --plot: the loss and accuracy curves. */
  plot?: string;
  /** --json: the report. */
  json?: string;
}

/** Writes the net, the plot and the report that `outputs` names. */
export async function writeOutputs(
  outputs: Outputs,
  net: Network,
  run: {
    title: string;
    lossHistory: number[];
    history: TimedEpoch[];
    config: Record<string, unknown>;
    final: { trainAcc: number; testAcc: number };
    wallSeconds: number;
  },
): Promise<void> {
  if (outputs.save !== undefined) await saveNetFile(outputs.save, net);
  if (outputs.plot !== undefined) {
    const svg = trainingPlot({
      loss: run.lossHistory,
      epochs: run.history,
      title: `${run.title}: test accuracy ${run.final.testAcc.toFixed(4)}`,
    });
    await writeFileAtomic(outputs.plot, svg);
  }
  if (outputs.json !== undefined) {
    const { lossHistory, history, config, final, wallSeconds } = run;
    const report = {
      config,
      history,
      lossHistory,
      final: { ...final, loss: lossHistory[lossHistory.length - 1] },
      wallSeconds,
    };
    await writeFileAtomic(outputs.json, JSON.stringify(report) + "\n");
  }
}
