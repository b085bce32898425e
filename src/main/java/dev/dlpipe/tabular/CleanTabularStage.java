package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Labels;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.core.RowIds;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.feature.PCA;
import org.apache.spark.ml.feature.PCAModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Cleans a CSV table: schema enforcement with type coercion, per-column null policy, IQR / z-score outliers
 * (clip or drop), standard / min-max scaling, categorical indexing or one-hot, and optional PCA. All statistics
 * are fitted on the training split only and saved in {@code stats.json}; with {@code clean.tabular.fitted} a
 * previous output's statistics are applied unchanged. Every edit is a Spark SQL built-in expression.
 * Quarantine reasons: malformed_row, missing_id, missing_label, bad_label, bad_value, non_finite_value, null_value,
 * outlier.
 */
public final class CleanTabularStage implements Stage {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CleanTabularStage.class);

    public static final String CORRUPT = "_corrupt_record";

    /** Which columns play which part, and the policies, from config. */
    record Settings(String id, String label, List<String> numeric, List<String> categorical, String numericNulls,
                    String categoricalNulls, double numericConstant, String categoricalConstant,
                    Map<String, String> nulls, String outliers, double k, String outlierAction, String scaling,
                    String encoding, int pcaComponents, String fitted) {
        static Settings from(Config c) {
            return new Settings(c.string("clean.tabular.id-column"), c.string("clean.tabular.label-column"),
                    c.list("clean.tabular.numeric-columns"), c.list("clean.tabular.categorical-columns"),
                    c.string("clean.tabular.numeric-nulls"), c.string("clean.tabular.categorical-nulls"),
                    c.number("clean.tabular.numeric-null-constant"), c.string("clean.tabular.categorical-null-constant"),
                    c.map("clean.tabular.nulls"), c.string("clean.tabular.outliers"), c.number("clean.tabular.outlier-k"),
                    c.string("clean.tabular.outlier-action"), c.string("clean.tabular.scaling"),
                    c.string("clean.tabular.encoding"), c.integer("clean.tabular.pca-components"),
                    c.string("clean.tabular.fitted"));
        }

        Settings withColumns(List<String> numericColumns, List<String> categoricalColumns) {
            return new Settings(id, label, numericColumns, categoricalColumns, numericNulls, categoricalNulls,
                    numericConstant, categoricalConstant, nulls, outliers, k, outlierAction, scaling, encoding,
                    pcaComponents, fitted);
        }

        /** Whether the feature columns are to be inferred (neither list given). */
        boolean inferColumns() {
            return numeric.isEmpty() && categorical.isEmpty();
        }

        String nullPolicy(String column, boolean numericColumn) {
            String p = nulls.getOrDefault(column, numericColumn ? numericNulls : categoricalNulls);
            List<String> allowed = numericColumn ? List.of("drop", "mean", "median", "constant")
                    : List.of("drop", "mode", "constant");
            if (!allowed.contains(p)) {
                throw new UserError("config key 'clean.tabular.nulls' entry " + column + ": '" + p + "' is not a "
                        + (numericColumn ? "numeric" : "categorical") + " null policy; allowed: " + allowed);
            }
            return p;
        }
    }

    @Override
    public String name() {
        return "clean";
    }


    /** Column names of a derived row id and its ordinal helper (never in a user's table). */
    static final String DERIVED_ID = "_dlpipe_id";

    /**
     * Every column the config names against the CSV header, before Spark starts: one message for all of them.
     * The header is the first line of the (first) CSV file.
     */
    @Override
    public void preflight(Config config, List<String> inputs) {
        if (inputs.get(0) == null || !dev.dlpipe.core.Fs.exists(inputs.get(0))) {
            return;
        }
        requireColumns(Settings.from(config), CsvHeader.of(inputs.get(0)), inputs.get(0));
    }

    /**
     * The CSV as string columns (the header's) plus {@link #CORRUPT} for a record that does not fit it. RFC 4180: a
     * quoted field may hold line breaks. Line-by-line parsing split such a record in two, quarantined its first
     * half and let the second pass as a made-up row. multiLine parses records, at the price of one task per file (a
     * file can no longer be split at an arbitrary newline).
     */
    static Dataset<Row> readCsv(org.apache.spark.sql.SparkSession spark, String input, List<String> header) {
        StructType schema = new StructType();
        for (String c : header) {
            schema = schema.add(c, DataTypes.StringType);
        }
        return spark.read().schema(schema.add(CORRUPT, DataTypes.StringType)).option("header", "true")
                .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT).option("multiLine", "true")
                .option("escape", "\"").csv(input);
    }

    /**
     * {@code reason} and {@code detail} extended by each numeric column's checks: a cell that is not a number
     * (bad_value), or one Spark parses but that is not finite ("NaN", "Infinity", 1e400: one such cell would poison
     * a fitted mean or scale). Both stay one CASE expression, linear in the columns.
     */
    static Column[] numberChecks(Column reason, Column detail, java.util.Collection<String> numeric) {
        for (String c : numeric) {
            Column v = col(c).cast("double");
            Column bad = col(c).isNotNull().and(v.isNull());
            Column nonFinite = v.isNotNull().and(isnan(v).or(abs(v).equalTo(lit(Double.POSITIVE_INFINITY))));
            reason = reason.when(bad, lit("bad_value")).when(nonFinite, lit("non_finite_value"));
            detail = detail.when(bad, concat(lit(c + "='"), col(c), lit("' is not a number")))
                    .when(nonFinite, concat(lit(c + "='"), col(c), lit("' is not a finite number")));
        }
        return new Column[] {reason, detail};
    }

    static void requireColumns(Settings s, List<String> header, String input) {
        List<String> missing = new ArrayList<>();
        if (!s.id().isEmpty() && !header.contains(s.id())) {
            missing.add("clean.tabular.id-column '" + s.id() + "'");
        }
        if (!header.contains(s.label())) {
            missing.add("clean.tabular.label-column '" + s.label() + "'");
        }
        s.numeric().stream().filter(c -> !header.contains(c))
                .forEach(c -> missing.add("clean.tabular.numeric-columns entry '" + c + "'"));
        s.categorical().stream().filter(c -> !header.contains(c))
                .forEach(c -> missing.add("clean.tabular.categorical-columns entry '" + c + "'"));
        if (!missing.isEmpty()) {
            throw new UserError(input + ": no column for " + String.join(", ", missing) + "; the header has " + header);
        }
    }

    @Override
    public StageResult run(StageContext ctx) {
        Config config = ctx.config();
        Settings configured = Settings.from(config);
        String input = ctx.input(0);
        List<String> header = Arrays.asList(ctx.spark().read().option("header", "true").csv(input).columns());
        requireColumns(configured, header, input);
        String splitColumn = config.string("split.column");
        boolean userSplit = !splitColumn.isEmpty() && header.contains(splitColumn)
                && !splitColumn.equals(configured.label()) && !splitColumn.equals(configured.id());
        Map<String, String> splitValues = config.map("split.values");
        Splits.checkValues(splitValues);
        Dataset<Row> raw = readCsv(ctx.spark(), input, header);

        String idColumn = configured.id().isEmpty() ? DERIVED_ID : configured.id();
        if (configured.id().isEmpty()) {
            raw = RowIds.derive(raw, header, DERIVED_ID);
        }
        // parsed once: type inference, the label plan and the checks all read it (a multiLine CSV is one task per
        // file, and a derived id is a shuffle; each used to be paid again by every one of them)
        Dataset<Row> parsed = raw.persist(StorageLevel.MEMORY_AND_DISK());
        raw = parsed;
        List<String> ignored = new ArrayList<>();
        Settings s = configured;
        if (configured.inferColumns()) {
            List<String> candidates = header.stream().filter(c -> !c.equals(configured.label())
                    && !c.equals(configured.id()) && !(userSplit && c.equals(splitColumn))).toList();
            ColumnTypes types = ColumnTypes.infer(raw.filter(col(CORRUPT).isNull()), candidates);
            s = configured.withColumns(types.numeric(), types.categorical());
            ignored.addAll(types.ignored());
            LOG.info("[clean] inferred {} numeric and {} categorical feature columns{}", types.numeric().size(),
                    types.categorical().size(), types.ignored().isEmpty() ? "" : "; ignored " + types.ignored());
        }

        // schema enforcement: the first failing check names the row's reason
        Labels.Plan labels = Labels.plan(raw.filter(col(CORRUPT).isNull()), s.label(), config);
        Column typedLabel = labels.index();
        Column split = userSplit ? Splits.given(col(splitColumn), splitValues)
                : Splits.assign(col(idColumn), config.integer("run.seed"), config.number("split.validation"),
                config.number("split.test"));
        Column reason = when(col(CORRUPT).isNotNull(), lit("malformed_row"))
                .when(col(idColumn).isNull(), lit("missing_id"))
                .when(col(s.label()).isNull(), lit("missing_label"))
                .when(labels.problem().isNotNull(), lit("bad_label"))
                .when(split.isNull(), lit("bad_split"));
        Column detail = when(col(CORRUPT).isNotNull(), col(CORRUPT))
                .when(labels.problem().isNotNull(), labels.problem())
                .when(split.isNull(), userSplit ? concat(lit(splitColumn + "='"), coalesce(col(splitColumn), lit("")),
                        lit("' is not train, validation or test (split.values maps more)")) : lit(null));
        Column[] withNumbers = numberChecks(reason, detail, s.numeric());
        reason = withNumbers[0];
        detail = withNumbers[1];
        Dataset<Row> checked = raw.withColumn(Quarantine.REASON, reason).withColumn(Quarantine.DETAIL, detail)
                .withColumn("split", split)
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            long in = checked.count();
            List<Column> typed = new ArrayList<>(List.of(col(idColumn).as("id"), typedLabel.as("label"), col("split")));
            s.numeric().forEach(c -> typed.add(col(c).cast("double").as(c)));
            s.categorical().forEach(c -> typed.add(col(c)));
            Dataset<Row> valid = checked.filter(col(Quarantine.REASON).isNull()).select(typed.toArray(Column[]::new));

            TabularStats stats = s.fitted().isEmpty() ? fit(valid.filter(col("split").equalTo(Splits.TRAIN)), s)
                    : TabularStats.readFrom(s.fitted());
            Dataset<Row> transformed = apply(valid, stats, s).persist(StorageLevel.MEMORY_AND_DISK());
            if (s.fitted().isEmpty() && s.pcaComponents() > 0) {
                stats = withPca(transformed.filter(col("split").equalTo(Splits.TRAIN).and(col(Quarantine.REASON).isNull())),
                        stats, s.pcaComponents());
            }
            stats.writeTo(ctx.output());
            CellEdits edits = CellEdits.count(valid, stats);

            Dataset<Row> rejected = checked.filter(col(Quarantine.REASON).isNotNull())
                    .select(concat_ws(",", Arrays.stream(header.toArray(String[]::new)).map(c -> coalesce(col(c), lit(""))).toArray(Column[]::new)).as("original_row"),
                            col(Quarantine.REASON), col(Quarantine.DETAIL), col(idColumn).as("id"));
            Dataset<Row> dropped = transformed.filter(col(Quarantine.REASON).isNotNull())
                    .select(lit(null).cast("string").as("original_row"), col(Quarantine.REASON), col(Quarantine.DETAIL),
                            col("id"));
            Dataset<Row> allRejected = rejected.unionByName(dropped);
            Map<String, Long> quarantined = Quarantine.countByReason(allRejected);
            Quarantine.write(ctx, allRejected, quarantined);

            Dataset<Row> kept = transformed.filter(col(Quarantine.REASON).isNull()).drop(Quarantine.REASON, Quarantine.DETAIL);
            if (stats.pca() != null) {
                kept = kept.withColumn("pca", project(stats.pca()));
            }
            kept.write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("data"));
            transformed.unpersist();

            Dataset<Row> written = ctx.spark().read().parquet(ctx.out("data"));
            labels.writeTo(ctx.output());
            Map<String, Long> perSplit = Splits.count(written);
            long out = perSplit.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("rows_per_split", perSplit);
            metrics.put("features", stats.layout().size());
            metrics.put("numeric_columns", s.numeric());
            metrics.put("categorical_columns", s.categorical());
            if (!ignored.isEmpty()) {
                metrics.put("ignored_columns", ignored);
            }
            metrics.put("id", s.id().isEmpty() ? "derived: content hash + ordinal (no id column)" : "column " + s.id());
            metrics.put("split", userSplit ? "kept from column " + splitColumn : "seeded hash of the id");
            metrics.putAll(edits.toMetrics());
            metrics.put("rows_with_duplicate_id", Quarantine.duplicateIds(written, "clean"));
            if (labels.names() != null) {
                metrics.put("labels", labels.names());
            }
            metrics.put("stats", s.fitted().isEmpty() ? "fitted on the training split" : "reused from " + s.fitted());
            if (stats.pca() != null) {
                metrics.put("pca_explained_variance", stats.pca().explainedVariance());
                metrics.put("pca_explained_variance_total",
                        Math.round(stats.pca().explainedVariance().stream().mapToDouble(Double::doubleValue).sum() * 1e4) / 1e4);
            }
            return StageResult.of(Counts.rows(in, out, quarantined, 0), metrics,
                    "splits " + perSplit + ", " + stats.layout().size() + " features");
        } finally {
            checked.unpersist();
            parsed.unpersist();
        }
    }

    /** Fits fills, outlier bounds, scaling and category lists on the training rows (two passes). */
    static TabularStats fit(Dataset<Row> train, Settings s) {
        List<Column> aggs = new ArrayList<>();
        for (String c : s.numeric()) {
            aggs.add(avg(c));
            aggs.add(stddev_samp(c));
            aggs.add(percentile_approx(col(c), array(lit(0.25), lit(0.5), lit(0.75)), lit(10000)));
        }
        aggs.add(count(lit(1)));
        Row first = train.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).first();
        Map<String, TabularStats.Numeric> bounds = new LinkedHashMap<>();
        for (int i = 0; i < s.numeric().size(); i++) {
            String c = s.numeric().get(i);
            Double mean = first.isNullAt(3 * i) ? null : first.getDouble(3 * i);
            Double std = first.isNullAt(3 * i + 1) ? null : first.getDouble(3 * i + 1);
            List<Double> q = first.isNullAt(3 * i + 2) ? null : first.getList(3 * i + 2);
            String policy = s.nullPolicy(c, true);
            Double fill;
            switch (policy) {
                case "drop": fill = null; break;
                case "mean":
                case "median":
                    if (q == null) { // no value at all: there is no mean or median to fill with
                        throw new UserError("clean.tabular: numeric column '" + c + "' is empty in every training row,"
                                + " so its " + policy + " cannot be fitted; remove it from clean.tabular.numeric-columns or"
                                + " give it a constant fill (clean.tabular.nulls." + c + ": constant)");
                    }
                    fill = policy.equals("mean") ? mean : q.get(1);
                    break;
                default: fill = s.numericConstant();
            }
            Double lo = null;
            Double hi = null;
            if (s.outliers().equals("iqr") && q != null) {
                double iqr = q.get(2) - q.get(0);
                lo = q.get(0) - s.k() * iqr;
                hi = q.get(2) + s.k() * iqr;
            } else if (s.outliers().equals("zscore") && mean != null) {
                double sd = std == null || std.isNaN() ? 0 : std;
                lo = mean - s.k() * sd;
                hi = mean + s.k() * sd;
            }
            bounds.put(c, new TabularStats.Numeric(fill, lo, hi, 0, 1));
        }
        Map<String, TabularStats.Categorical> categorical = new LinkedHashMap<>();
        for (String c : s.categorical()) {
            List<String> categories = new ArrayList<>();
            for (Row r : train.filter(col(c).isNotNull()).groupBy(c).count()
                    .orderBy(col("count").desc(), col(c).asc()).collectAsList()) {
                categories.add(r.getString(0));
            }
            String policy = s.nullPolicy(c, false);
            String fill = switch (policy) {
                case "drop" -> null;
                case "mode" -> categories.isEmpty() ? s.categoricalConstant() : categories.get(0);
                default -> s.categoricalConstant();
            };
            categorical.put(c, new TabularStats.Categorical(categories, fill));
        }
        List<String> layout = layout(s.numeric(), categorical, s.encoding());
        TabularStats partial = new TabularStats(bounds, categorical, s.encoding(), s.outlierAction(), layout, null);
        if (s.scaling().equals("none") || s.numeric().isEmpty()) {
            return partial;
        }
        // pass 2: scaling statistics of the imputed, clipped training values
        Dataset<Row> cleaned = apply(train, partial, s).filter(col(Quarantine.REASON).isNull());
        List<Column> scaleAggs = new ArrayList<>();
        for (String c : s.numeric()) {
            scaleAggs.add(s.scaling().equals("standard") ? avg(c) : min(c));
            scaleAggs.add(s.scaling().equals("standard") ? stddev_samp(c) : max(c));
        }
        Row second = cleaned.agg(scaleAggs.get(0), scaleAggs.subList(1, scaleAggs.size()).toArray(Column[]::new)).first();
        Map<String, TabularStats.Numeric> scaled = new LinkedHashMap<>();
        for (int i = 0; i < s.numeric().size(); i++) {
            String c = s.numeric().get(i);
            TabularStats.Numeric b = bounds.get(c);
            double a = second.isNullAt(2 * i) ? 0 : ((Number) second.get(2 * i)).doubleValue();
            double z = second.isNullAt(2 * i + 1) ? 0 : ((Number) second.get(2 * i + 1)).doubleValue();
            double center = a;
            double scale = s.scaling().equals("standard") ? z : z - a;
            if (Double.isNaN(scale) || scale <= 1e-12) {
                scale = 1; // a constant or one-row column: centre it, do not divide by zero
            }
            scaled.put(c, new TabularStats.Numeric(b.fill(), b.lo(), b.hi(), center, scale));
        }
        return new TabularStats(scaled, categorical, s.encoding(), s.outlierAction(), layout, null);
    }

    static List<String> layout(List<String> numeric, Map<String, TabularStats.Categorical> categorical, String encoding) {
        List<String> layout = new ArrayList<>(numeric);
        categorical.forEach((c, cat) -> {
            if (encoding.equals("index")) {
                layout.add(c + "_index");
            } else {
                cat.categories().forEach(v -> layout.add(c + "=" + v));
                layout.add(c + "=<other>");
            }
        });
        return layout;
    }

    /**
     * Applies the statistics with built-in expressions: fills, outlier clip/drop, scaling, category indexes and
     * one-hot, and the assembled {@code features} array. Rows dropped by a policy get a reason.
     */
    static Dataset<Row> apply(Dataset<Row> rows, TabularStats stats, Settings s) {
        return apply(rows, stats, List.of());
    }

    /** {@link #apply(Dataset, TabularStats, Settings)}, keeping {@code passThrough} columns unchanged. */
    static Dataset<Row> apply(Dataset<Row> rows, TabularStats stats, List<String> passThrough) {
        // (condition, reason, detail) per rule; combined below into ONE CASE expression each for reason and detail,
        // so the plan grows linearly with the columns (wrapping the running expression per column, and reading it
        // twice, made it exponential: 14 columns took minutes to plan, 30 never finished)
        List<Column[]> rules = new ArrayList<>();
        List<Column> out = new ArrayList<>(List.of(col("id"), col("label"), col("split")));
        passThrough.forEach(c -> out.add(col(c)));
        List<Column> features = new ArrayList<>();
        for (Map.Entry<String, TabularStats.Numeric> e : stats.numeric().entrySet()) {
            String c = e.getKey();
            TabularStats.Numeric n = e.getValue();
            Column x = col(c);
            if (n.fill() == null) {
                rules.add(new Column[] {x.isNull(), lit("null_value"), lit(c + " is null")});
            } else {
                x = coalesce(x, lit(n.fill()));
            }
            if (n.lo() != null) {
                Column outside = x.lt(n.lo()).or(x.gt(n.hi()));
                if ("drop".equals(stats.outlierAction())) {
                    rules.add(new Column[] {outside, lit("outlier"), concat(lit(c + "="), x.cast("string"),
                            lit(String.format(Locale.ROOT, " outside [%.4g, %.4g]", n.lo(), n.hi())))});
                } else {
                    x = least(greatest(x, lit(n.lo())), lit(n.hi()));
                }
            }
            Column scaled = x.minus(n.center()).divide(n.scale());
            out.add(scaled.as(c));
            features.add(scaled);
        }
        for (Map.Entry<String, TabularStats.Categorical> e : stats.categorical().entrySet()) {
            String c = e.getKey();
            TabularStats.Categorical cat = e.getValue();
            Column v = col(c);
            if (cat.fill() == null) {
                rules.add(new Column[] {v.isNull(), lit("null_value"), lit(c + " is null")});
            } else {
                v = coalesce(v, lit(cat.fill()));
            }
            Column position = array_position(array(cat.categories().stream().map(value -> lit(value)).toArray(Column[]::new)), v);
            // unseen categories (only possible with reused stats) share the last index, "<other>"
            Column index = when(position.equalTo(0), lit(cat.categories().size())).otherwise(position.minus(1)).cast("int");
            out.add(v.as(c));
            out.add(index.as(c + "_index"));
            if ("index".equals(stats.encoding())) {
                features.add(index.cast("double"));
            } else {
                for (int i = 0; i <= cat.categories().size(); i++) {
                    features.add(when(index.equalTo(i), lit(1.0)).otherwise(lit(0.0)));
                }
            }
        }
        Column reason = lit(null).cast("string");
        Column detail = lit(null).cast("string");
        for (int i = 0; i < rules.size(); i++) {
            Column[] r = rules.get(i);
            reason = i == 0 ? when(r[0], r[1]) : reason.when(r[0], r[1]);
            detail = i == 0 ? when(r[0], r[2]) : detail.when(r[0], r[2]);
        }
        out.add(array(features.toArray(Column[]::new)).as("features"));
        out.add(reason.as(Quarantine.REASON));
        out.add(detail.as(Quarantine.DETAIL));
        return rows.select(out.toArray(Column[]::new));
    }

    /** Fits PCA on the training features (MLlib) and keeps its axes and explained variance. */
    static TabularStats withPca(Dataset<Row> train, TabularStats stats, int k) {
        int d = stats.layout().size();
        if (k > d) {
            throw new UserError("config key 'clean.tabular.pca-components' is " + k + " but there are only " + d + " features");
        }
        Dataset<Row> vectors = train.select(org.apache.spark.ml.functions.array_to_vector(col("features")).as("v"));
        PCAModel model = new PCA().setInputCol("v").setOutputCol("p").setK(k).fit(vectors);
        DenseMatrix pc = model.pc(); // d x k, column-major
        List<List<Double>> components = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            List<Double> axis = new ArrayList<>(d);
            for (int i = 0; i < d; i++) {
                axis.add(pc.apply(i, j));
            }
            components.add(axis);
        }
        List<Double> variance = new ArrayList<>();
        for (double v : model.explainedVariance().toArray()) {
            variance.add(Math.round(v * 1e6) / 1e6);
        }
        return new TabularStats(stats.numeric(), stats.categorical(), stats.encoding(), stats.outlierAction(),
                stats.layout(), new TabularStats.Pca(components, variance));
    }

    /** features · axis_j for every axis, as built-in higher-order functions (no UDF, no MLlib model needed). */
    static Column project(TabularStats.Pca pca) {
        List<Column> coords = new ArrayList<>();
        for (List<Double> axis : pca.components()) {
            StringBuilder literal = new StringBuilder("array(");
            for (int i = 0; i < axis.size(); i++) {
                literal.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "CAST(%s AS DOUBLE)", axis.get(i)));
            }
            literal.append(")");
            coords.add(expr("aggregate(zip_with(features, " + literal + ", (a, b) -> a * b), CAST(0 AS DOUBLE), (acc, x) -> acc + x)"));
        }
        return array(coords.toArray(Column[]::new));
    }
}
