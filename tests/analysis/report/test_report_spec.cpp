// Table files: the built-in tables parse, and bad files are UserErrors naming the file and key.
#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/report/report_spec.h"
#include "core/util/error.h"

using namespace swepo;
using namespace swepo::report;

namespace {

std::string error_of(const std::string& yaml) {
  try {
    table_spec_parse(yaml, "bad.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

}  // namespace

TEST(ReportSpec, ParsesEveryField) {
  TableSpec s = table_spec_parse(R"(
title: X
notes: [a note]
decoding: greedy
precision: 3
bootstrap: 50
bootstrap_seed: 7
label_header: Method
groups: [{label: tiny, where: {model.name: tiny}}]
columns:
  - {label: LC, metric: alpaca.lc, stat: mean_ci, decoding: avg, scale: 100}
  - {metric: pref/loss, reduce: "mean_last:10"}
rows:
  - {label: SFT, where: {loss.name: none}}
  - {label: Swepo, where: {loss.name: swepo, loss.p: 1, data.K: [2, 4], model.tokenizer: ~}}
tests: [{rows: [SFT, Swepo]}]
)",
                                 "x.yaml");
  EXPECT_EQ(s.title, "X");
  EXPECT_EQ(s.notes, std::vector<std::string>{"a note"});
  EXPECT_EQ(s.decoding, "greedy");
  EXPECT_EQ(s.precision, 3);
  EXPECT_EQ(s.bootstrap, 50);
  EXPECT_EQ(s.bootstrap_seed, 7);
  EXPECT_EQ(s.label_header, "Method");
  ASSERT_EQ(s.groups.size(), 1u);
  EXPECT_EQ(s.groups[0].where[0].key, "model.name");
  ASSERT_EQ(s.columns.size(), 2u);
  EXPECT_EQ(s.columns[0].stat, "mean_ci");
  EXPECT_EQ(s.columns[0].scale, 100);
  EXPECT_EQ(s.columns[1].label, "pref/loss");  // label defaults to the metric
  EXPECT_EQ(s.columns[1].stat, "mean_std");
  EXPECT_EQ(s.columns[1].reduce, "mean_last:10");
  ASSERT_EQ(s.rows[1].where.size(), 4u);
  EXPECT_EQ(s.rows[1].where[1].any_of, std::vector<std::string>{"1"});
  EXPECT_EQ(s.rows[1].where[2].any_of, (std::vector<std::string>{"2", "4"}));
  EXPECT_TRUE(s.rows[1].where[3].absent);
  ASSERT_EQ(s.tests.size(), 1u);
  EXPECT_EQ(s.tests[0].test, "brown_forsythe");
  EXPECT_EQ(s.tests[0].label, "brown_forsythe p");
}

TEST(ReportSpec, BadFilesNameFileAndKey) {
  const std::string rows = "rows: [{label: a}]\n", cols = "columns: [{metric: alpaca.lc}]\n";
  std::string m = error_of("titel: x\n" + cols + rows);
  EXPECT_HAS(m, "bad.yaml");
  EXPECT_HAS(m, "unknown key 'titel'");
  EXPECT_HAS(m, "did you mean 'title'");
  m = error_of(cols + "rows: [{label: a, wher: {loss.name: dpo}}]\n");
  EXPECT_HAS(m, "unknown key 'rows[0].wher'");
  EXPECT_HAS(m, "did you mean 'where'");
  m = error_of("columns: [{metric: alpaca.lc, stat: median}]\n" + rows);
  EXPECT_HAS(m, "bad.yaml");
  EXPECT_HAS(m, "columns[0].stat");
  EXPECT_HAS(m, "unknown value 'median'");
  m = error_of("columns: [{metric: alpaca}]\n" + rows);
  EXPECT_HAS(m, "columns[0].metric");
  EXPECT_HAS(m, "SUITE.METRIC");
  // A '/' makes a training metric (checked against the database when the table is built).
  EXPECT_EQ(error_of("columns: [{metric: alpaca/lc}]\n" + rows), "no error");
  m = error_of("columns: [{metric: pref/loss, reduce: median}]\n" + rows);
  EXPECT_HAS(m, "columns[0].reduce");
  EXPECT_HAS(m, "unknown reduction 'median'");
  m = error_of("columns: [{metric: pref/loss, decoding: greedy}]\n" + rows);
  EXPECT_HAS(m, "columns[0].decoding' applies to eval metrics");
  m = error_of("columns: [{metric: alpaca.lc, reduce: min}]\n" + rows);
  EXPECT_HAS(m, "columns[0].reduce' applies to training metrics");
  m = error_of("columns: [{label: x}]\n" + rows);
  EXPECT_HAS(m, "columns[0].metric' is missing");
  m = error_of(cols);
  EXPECT_HAS(m, "missing key 'rows'");
  m = error_of(rows);
  EXPECT_HAS(m, "missing key 'columns'");
  m = error_of("precision: many\n" + cols + rows);
  EXPECT_HAS(m, "bad.yaml");
  EXPECT_HAS(m, "precision");
  EXPECT_HAS(m, "expected an integer");
  m = error_of(cols + "rows: [{label: a}, {label: a}]\n");
  EXPECT_HAS(m, "repeats the label 'a'");
  m = error_of(cols + "rows: [{where: {loss.name: dpo}}]\n");
  EXPECT_HAS(m, "rows[0].label' is missing");
  m = error_of(cols + "rows: [{label: a, where: [loss.name]}]\n");
  EXPECT_HAS(m, "rows[0].where' must be a mapping");
  m = error_of(cols + rows + "tests: [{rows: [a, b]}]\n");
  EXPECT_HAS(m, "tests[0].rows' names unknown row 'b'");
  m = error_of(cols + "rows: [{label: a}, {label: b}]\ntests: [{rows: [a, b], columns: [LC]}]\n");
  EXPECT_HAS(m, "names unknown column 'LC'");
  m = error_of(cols + "rows: [{label: a}, {label: b}]\ntests: [{rows: [a, b], test: welch}]\n");
  EXPECT_HAS(m, "tests[0].test");
  m = error_of("columns: {metric: alpaca.lc}\n" + rows);
  EXPECT_HAS(m, "'columns' must be a list");
  m = error_of("rows: [unclosed\n");
  EXPECT_HAS(m, "bad.yaml: not valid YAML");
  m = error_of("- a\n- b\n");
  EXPECT_HAS(m, "expected a mapping at the top");
}

TEST(ReportSpec, BuiltinTablesParse) {
  const std::string dir = std::string(SWEPO_SOURCE_DIR) + "/analysis/tables";
  for (const char* name : {"table1", "table2", "table2_all_seeds", "kablation", "quickstart", "swepo_alpha",
                           "swepo_scale", "nll_weight", "table1_paired", "table2_sft_seeds", "sft_steps"}) {
    const std::string path = table_spec_find(name, dir);
    EXPECT_EQ(path, dir + "/" + name + ".yaml");
    EXPECT_NO_THROW(table_spec_load(path)) << name;
  }
  const TableSpec t1 = table_spec_load(dir + "/table1.yaml");
  EXPECT_EQ(t1.rows.size(), 8u);
  EXPECT_EQ(t1.groups.size(), 1u);  // tiny only (the small preset is GPU-sized: results/README.md)
  EXPECT_EQ(t1.columns.size(), 4u);
  const TableSpec t2 = table_spec_load(dir + "/table2.yaml");
  ASSERT_EQ(t2.tests.size(), 1u);
  EXPECT_EQ(t2.tests[0].columns, (std::vector<std::string>{"Var(LC)", "Var(WR)"}));
  EXPECT_EQ(table_spec_load(dir + "/table1_paired.yaml").baseline, "DPO");
  const TableSpec k = table_spec_load(dir + "/kablation.yaml");
  EXPECT_EQ(k.rows.size(), 4u);
  try {
    table_spec_find("tabel1", dir);
    FAIL();
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_HAS(m, "unknown table 'tabel1'");
    EXPECT_HAS(m, "did you mean 'table1'");
    EXPECT_HAS(m, "kablation, nll_weight, quickstart, sft_steps, swepo_alpha, swepo_scale, table1, table1_hf, "
                  "table1_paired, table2, table2_all_seeds, table2_hf, table2_sft_seeds");
  }
  EXPECT_THROW(table_spec_find("no/such/file.yaml"), UserError);
}
