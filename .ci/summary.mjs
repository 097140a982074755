// The closing lines of one Node version's run, from Vitest's JSON report: the counts, then each failed
// test (file, name, the failure's first line), so a failure is named where the run's tail is read.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { stripVTControlCharacters } from "node:util";

const [resultsFile, label] = process.argv.slice(2);
const results = JSON.parse(readFileSync(resultsFile, "utf8"));
const skipped = results.numPendingTests + results.numTodoTests;
console.log(`${label}: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
for (const file of results.testResults) {
  const failed = file.assertionResults.filter((test) => test.status === "failed");
  // A file that failed to load has no failed test, only its own message.
  if (failed.length === 0 && file.status === "failed")
    console.log(`  failed: ${relative(".", file.name)}: ${firstLine(file.message)}`);
  for (const test of failed) {
    console.log(
      `  failed: ${relative(".", file.name)} > ${test.fullName}: ${firstLine(test.failureMessages.join("\n"))}`,
    );
  }
}

function firstLine(text) {
  // Colour codes and the stack stay out: one line a reader can search for.
  return (
    stripVTControlCharacters(text ?? "")
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim()
      .slice(0, 300) ?? ""
  );
}
