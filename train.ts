/**
 * The book's chapter-5 training run (train_neuralnet.py) as a CLI.
 *
 * Run: `deno task train`
 *
 * @module
 */

console.error(
  "train: the MNIST loader (issue 3) has not landed yet, so there is nothing to train on.\n" +
    "Meanwhile `deno task gradient-check` runs the chapter's gradient check.",
);
Deno.exit(1);
