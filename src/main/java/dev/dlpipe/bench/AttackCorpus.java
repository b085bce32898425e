package dev.dlpipe.bench;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.OwnerLock;
import dev.dlpipe.pipeline.PipelineRunner;
import dev.dlpipe.sampledata.SampleData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Corrupt, hostile and careless inputs against every stage, each run as its own {@code dlpipe} JVM with a timeout
 * (a hang is a failed case, killed). Per case it prints the exit code, whether the message is exactly one
 * {@code error:} line naming the file, row or key, whether every stage's rows reconcile
 * ({@code in + generated = out + quarantined + deduplicated}, from the manifests), and whether the data the case
 * threatens is intact. Target: no case loses or silently changes data, none hangs, none exits 0 with a wrong result.
 */
public final class AttackCorpus {

    /** One attack: the command, what its one error line must name (null: it must succeed), and a data check. */
    record Case(String name, List<String> args, String mustName, Predicate<Path> dataIntact, Path cwd) {
    }

    private AttackCorpus() {
    }

    public static Map<String, Object> run(SparkSession spark, Config config, String workDir, long timeoutSeconds)
            throws Exception {
        Path w = Path.of(workDir).toAbsolutePath().resolve("attacks");
        deleteRecursively(w);
        Path cases = Files.createDirectories(w.resolve("cases"));
        System.out.println("preparing: the generator's messy data and one small pipeline run in " + w);
        SampleData.write(w.resolve("sd").toString(), 800, 600, 600, 7);
        String images = w.resolve("sd/images/images.parquet").toString();
        Path base = w.resolve("base");
        PipelineRunner.run(spark, ConfigLoader.load(List.of(Path.of(System.getProperty("dlpipe.home", "."))
                .resolve("pipelines/quickstart.yaml")), List.of("pipeline.input=" + images, "run.dir=" + base,
                "train.epochs=1", "compress.finetune-epochs=0", "compress.distill-epochs=0", "compress.fp16=false",
                "compress.calibration-rows=256", "spark.conf.spark.sql.shuffle.partitions=4")));
        String pack = base.resolve("pack").toString();
        String clean = base.resolve("clean").toString();

        List<Case> all = new ArrayList<>();
        // 1. outputs that used to be replaced silently
        Path user = Files.createDirectories(cases.resolve("my-photos"));
        Files.writeString(user.resolve("holiday.jpg"), "precious");
        all.add(new Case("--output is a directory of user files", List.of("augment", "--input", clean, "--output",
                user.toString()), user.toString(), p -> exists(user.resolve("holiday.jpg")), null));
        Path file = Files.writeString(cases.resolve("notes.txt"), "keep");
        all.add(new Case("--output is an existing file", List.of("augment", "--input", clean, "--output", file.toString()),
                file.toString(), p -> exists(file), null));
        all.add(new Case("--output is the stage's own input", List.of("augment", "--input", clean, "--output", clean),
                clean, p -> exists(Path.of(clean, "_manifest.json")), null));
        all.add(new Case("--output is the run directory holding the input", List.of("augment", "--input", clean,
                "--output", base.toString()), base.toString(), p -> exists(Path.of(clean, "_manifest.json")), null));
        Path cwd = Files.createDirectories(cases.resolve("cwd"));
        Files.writeString(cwd.resolve("work.txt"), "mine");
        all.add(new Case("--output .", List.of("augment", "--input", clean, "--output", "."), "working directory",
                p -> exists(cwd.resolve("work.txt")), cwd));
        all.add(new Case("--output is another stage's output", List.of("augment", "--input", clean, "--output", pack),
                "--force", p -> exists(Path.of(pack, "_manifest.json")), null));
        // 2. corrupt shards in each split: a named error, never a hang
        for (String split : List.of("train", "validation", "test")) {
            Path copy = cases.resolve("pack-bad-" + split);
            copyRecursively(Path.of(pack), copy);
            Path shard = firstShard(copy.resolve(split));
            corruptMiddle(shard);
            all.add(new Case("corrupt " + split + " shard", List.of("train", "--input", copy.toString(), "--output",
                    cases.resolve("train-bad-" + split).toString(), "--set", "train.epochs=1"), "part-", p -> true, null));
        }
        // 3. hostile and tampered model zips
        Path evil = cases.resolve("export-evil");
        copyRecursively(base.resolve("export"), evil);
        addEntry(evil.resolve("model.zip"), "preprocessor.bin", slowObjectGraph(28));
        rewriteSha(evil.resolve("export-manifest.json"), evil.resolve("model.zip"));
        all.add(new Case("model.zip with a preprocessor.bin object graph", List.of("score", "--input", evil.toString(),
                "--input", pack, "--output", cases.resolve("score-evil").toString()), "preprocessor.bin", p -> true, null));
        Path tampered = cases.resolve("export-tampered");
        copyRecursively(base.resolve("export"), tampered);
        addEntry(tampered.resolve("model.zip"), "configuration.json.bak", "x".getBytes(StandardCharsets.UTF_8));
        all.add(new Case("model.zip changed after export", List.of("score", "--input", tampered.toString(), "--input", pack,
                "--output", cases.resolve("score-tampered").toString()), "SHA-256", p -> true, null));
        Path otherPack = cases.resolve("pack-other");
        copyRecursively(Path.of(pack), otherPack);
        Files.delete(firstShard(otherPack.resolve("test")));
        all.add(new Case("--resume from a checkpoint of another pack", List.of("train", "--input", otherPack.toString(),
                "--output", cases.resolve("resumed").toString(), "--resume", "--set", "train.epochs=2", "--set",
                "train.checkpoint-dir=" + base.resolve("train-checkpoints")), "other data", p -> true, null));
        // 4. numbers, records and labels
        Path customers = w.resolve("sd/tabular/customers.csv");
        String header = Files.readAllLines(customers).get(0);
        Path nan = Files.writeString(cases.resolve("nan.csv"), Files.readString(customers)
                + "nan1,NaN,50000,Berlin,basic,12,30.5,1,0\ninf1,40,Infinity,Berlin,basic,12,30.5,1,1\n"
                + "big1,40,1e400,Paris,basic,12,30.5,1,0\n");
        all.add(new Case("tabular NaN, Infinity, 1e400", tabular(nan, cases.resolve("clean-nan")), null, p -> true, null));
        List<String> noIncome = new ArrayList<>();
        int incomeAt = List.of(header.split(",")).indexOf("income");
        for (String line : Files.readAllLines(customers)) {
            String[] f = line.split(",", -1);
            if (!line.equals(header) && f.length > incomeAt) {
                f[incomeAt] = "";
            }
            noIncome.add(String.join(",", f));
        }
        Path empty = Files.write(cases.resolve("no-income.csv"), noIncome);
        all.add(new Case("tabular numeric column empty everywhere", tabular(empty, cases.resolve("clean-empty")),
                "'income'", p -> true, null));
        Path quoted = Files.writeString(cases.resolve("quoted.csv"), Files.readString(customers)
                + "q1,41,52000,\"New\nYork\",basic,10,31.0,2,1\nq2,42,53000,\"x\ninjected,1,1,a,b,1,1,1,0\",basic,10,31.0,2,0\n");
        all.add(new Case("CSV record with a quoted line break", tabular(quoted, cases.resolve("clean-quoted")), null,
                p -> true, null));
        Dataset<Row> img = spark.read().parquet(images);
        String labels = cases.resolve("labels.parquet").toString();
        img.withColumn("label", when(col("id").endsWith("1"), lit(4.7)).when(col("id").endsWith("2"), lit(-1.0))
                .when(col("id").endsWith("3"), lit(1_000_000.0)).otherwise(col("label").cast("double")))
                .write().parquet(labels);
        all.add(new Case("image labels 4.7, -1, 1000000", List.of("clean", "--input", labels, "--output",
                cases.resolve("clean-labels").toString()), null, p -> true, null));
        String nullIds = cases.resolve("null-ids.parquet").toString();
        img.withColumn("id", when(col("id").endsWith("5"), lit(null).cast("string")).otherwise(col("id")))
                .write().parquet(nullIds);
        all.add(new Case("image rows with null ids", List.of("clean", "--input", nullIds, "--output",
                cases.resolve("clean-null-ids").toString()), null, p -> true, null));
        String bomb = cases.resolve("bomb.parquet").toString();
        img.limit(50).unionByName(spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("bomb-1", 0,
                28, 28, 1, "png", pixelBomb())), img.schema())).write().parquet(bomb);
        all.add(new Case("a 40000x40000 PNG", List.of("clean", "--input", bomb, "--output",
                cases.resolve("clean-bomb").toString()), null, p -> true, null));
        Path hostile = cases.resolve("hostile.jsonl");
        Files.writeString(hostile, Files.readString(w.resolve("sd/text/reviews.jsonl")) + "[]\n"
                + "[{\"id\":\"x1\",\"label\":\"positive\",\"text\":\"one\"},{\"id\":\"x2\",\"label\":\"negative\",\"text\":\"two\"}]\n"
                + "{\"id\":\"h1\",\"label\":[\"positive\"],\"text\":\"a list is not a class\"}\n"
                + "{\"id\":\"h2\",\"label\":\"positive\",\"text\":\"exactly this sentence\"}\n"
                + "{\"id\":\"h3\",\"label\":\"negative\",\"text\":\"Exactly this sentence\"}\n");
        all.add(new Case("JSONL arrays, list labels, conflicting labels", List.of("clean", "--input", hostile.toString(),
                "--output", cases.resolve("clean-hostile").toString(), "--set", "pipeline.data-kind=text"), null,
                p -> true, null));
        // 5. careless setups
        Path emptyDir = Files.createDirectories(cases.resolve("empty-input"));
        all.add(new Case("empty input directory", List.of("clean", "--input", emptyDir.toString(), "--output",
                cases.resolve("clean-nothing").toString()), emptyDir.toString(), p -> true, null));
        Path dupYaml = Files.writeString(cases.resolve("dup.yaml"), "train:\n  epochs: 3\n  epochs: 30\n");
        all.add(new Case("duplicate YAML keys", List.of("train", "--input", pack, "--output",
                cases.resolve("train-dup").toString(), "--config", dupYaml.toString()), "epochs", p -> true, null));
        Path busy = Files.createDirectories(cases.resolve("busy-run"));
        Files.writeString(busy.resolve(PipelineRunner.LOCK), OwnerLock.OWNER + " since now\n"); // this JVM: alive
        all.add(new Case("a second pipeline on a run.dir in use", List.of("pipeline", "run", Path.of(System.getProperty(
                "dlpipe.home", ".")).resolve("pipelines/quickstart.yaml").toString(), "--set", "run.dir=" + busy,
                "--set", "pipeline.input=" + images), "in use", p -> true, null));
        Path secretRun = cases.resolve("secret-run");
        all.add(new Case("a secret given with --set", List.of("pipeline", "run", Path.of(System.getProperty("dlpipe.home",
                ".")).resolve("pipelines/quickstart.yaml").toString(), "--set", "run.dir=" + secretRun, "--set",
                "pipeline.input=" + images, "--set", "pipeline.stages=clean", "--set",
                "spark.conf.spark.hadoop.fs.s3a.secret.key=hunter2"), null, p -> !anyFileContains(secretRun, "hunter2"),
                null));
        // 6. the generator's messy data, each kind
        all.add(new Case("generator images (messy)", List.of("clean", "--input", images, "--output",
                cases.resolve("gen-images").toString()), null, p -> true, null));
        all.add(new Case("generator text (messy)", List.of("clean", "--input", w.resolve("sd/text/reviews.jsonl").toString(),
                "--output", cases.resolve("gen-text").toString(), "--set", "pipeline.data-kind=text"), null, p -> true, null));
        all.add(new Case("generator table (messy)", tabular(customers, cases.resolve("gen-tabular")), null, p -> true, null));

        List<Map<String, Object>> rows = new ArrayList<>();
        StringBuilder table = new StringBuilder("| case | exit | s | one line naming the culprit | rows reconcile "
                + "| data intact | verdict |\n|---|---:|---:|---|---|---|---|\n");
        int failed = 0;
        for (Case c : all) {
            ChildJvm.Result r = ChildJvm.run(c.cwd() == null ? w : c.cwd(), timeoutSeconds, "3g", c.args());
            List<String> errors = r.stderr().lines().filter(l -> l.startsWith("error: ")).toList();
            boolean expectError = c.mustName() != null;
            boolean message = expectError ? errors.size() == 1 && errors.get(0).contains(c.mustName()) : errors.isEmpty();
            String reconcile = reconciles(c.args());
            boolean intact = c.dataIntact().test(w);
            boolean ok = !r.timedOut() && (expectError ? r.exitCode() != 0 : r.exitCode() == 0) && message && intact
                    && !reconcile.startsWith("NO");
            failed += ok ? 0 : 1;
            String shown = expectError ? (errors.isEmpty() ? "none" : errors.get(0).length() > 150
                    ? errors.get(0).substring(0, 150) + "..." : errors.get(0)) : (message ? "(no error)" : errors.toString());
            table.append(String.format(java.util.Locale.ROOT, "| %s | %s | %.1f | %s | %s | %s | %s |%n", c.name(),
                    r.timedOut() ? "killed (hang)" : r.exitCode(), r.seconds(), (message ? "yes: " : "NO: ")
                    + shown.replace("|", "\\|"), reconcile, intact ? "yes" : "NO", ok ? "ok" : "FAIL"));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("case", c.name());
            row.put("exit", r.timedOut() ? null : r.exitCode());
            row.put("seconds", Math.round(r.seconds() * 10) / 10.0);
            row.put("error", errors);
            row.put("ok", ok);
            rows.add(row);
            System.out.println((ok ? "ok   " : "FAIL ") + c.name() + " (exit " + r.exitCode() + ", "
                    + Math.round(r.seconds()) + " s)");
        }
        System.out.println();
        System.out.print(table);
        Files.writeString(w.resolve("attacks.md"), table.toString());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cases", rows.size());
        out.put("failed", failed);
        out.put("table", w.resolve("attacks.md").toString());
        return out;
    }

    private static List<String> tabular(Path csv, Path out) {
        // the sample table's columns as pipelines/tabular.yaml names them: an empty numeric column named in the
        // config is an error, where an inferred one would just be left out
        return List.of("clean", "--input", csv.toString(), "--output", out.toString(), "--set", "pipeline.data-kind=tabular",
                "--set", "clean.tabular.id-column=id", "--set", "clean.tabular.label-column=churned", "--set",
                "clean.tabular.numeric-columns=age,income,tenure_months,monthly_spend,support_calls", "--set",
                "clean.tabular.categorical-columns=city,plan");
    }

    /** "yes (in 800 = out 788 + quarantined 12)" from the output's manifest, "n/a" without one, "NO ..." if not. */
    private static String reconciles(List<String> args) throws IOException {
        int o = args.indexOf("--output");
        if (o < 0 || !Files.isRegularFile(Path.of(args.get(o + 1), "_manifest.json"))) {
            return "n/a";
        }
        Map<?, ?> counts = (Map<?, ?>) Json.readMap(Files.readString(Path.of(args.get(o + 1), "_manifest.json")))
                .get("counts");
        if (counts == null || counts.isEmpty()) {
            return "n/a";
        }
        long in = num(counts.get("in")) + num(counts.get("generated"));
        long rest = num(counts.get("out")) + num(counts.get("quarantined")) + num(counts.get("deduplicated"));
        return (in == rest ? "yes" : "NO") + " (in " + num(counts.get("in")) + " = out " + num(counts.get("out"))
                + " + quarantined " + counts.get("quarantined_by_reason") + " + deduplicated "
                + num(counts.get("deduplicated")) + ")";
    }

    private static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private static boolean exists(Path p) {
        return Files.exists(p);
    }

    private static Path firstShard(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().findFirst().orElseThrow();
        }
    }

    /** 0xFF over the middle half of the file: NaN floats and broken page data, the footer left intact. */
    private static void corruptMiddle(Path shard) throws IOException {
        byte[] b = Files.readAllBytes(shard);
        for (int i = b.length / 4; i < b.length / 2; i++) {
            b[i] = (byte) 0xFF;
        }
        Files.write(shard, b);
    }

    private static void addEntry(Path zip, String name, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(zip));
             java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                z.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                z.write(in.readAllBytes());
            }
            z.putNextEntry(new java.util.zip.ZipEntry(name));
            z.write(content);
        }
        Files.write(zip, out.toByteArray());
    }

    /** The manifest made to agree with the tampered file, so the case reaches the zip check itself. */
    private static void rewriteSha(Path manifest, Path model) throws IOException {
        String sha = dev.dlpipe.core.Fingerprint.sha256(model.toString());
        Map<String, Object> m = Json.readMap(Files.readString(manifest));
        for (Object f : (List<?>) m.get("files")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> entry = (Map<String, Object>) f;
            if ("model.zip".equals(entry.get("file"))) {
                entry.put("sha256", sha);
            }
        }
        Files.writeString(manifest, Json.write(m));
    }

    /** Nested HashSets whose deserialization cost doubles per level (JDK classes only). */
    public static byte[] slowObjectGraph(int depth) throws IOException {
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < depth; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("x" + i);
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(root);
        }
        return bytes.toByteArray();
    }

    /** A valid 1x1 PNG whose header claims 40000 x 40000. */
    public static byte[] pixelBomb() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_BYTE_GRAY),
                "png", out);
        byte[] png = out.toByteArray();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png);
        b.putInt(16, 40_000).putInt(20, 40_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        b.putInt(29, (int) crc.getValue());
        return png;
    }

    private static boolean anyFileContains(Path dir, String text) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".md")
                    || p.toString().endsWith(".html")).anyMatch(p -> {
                        try {
                            return Files.readString(p).contains(text);
                        } catch (IOException e) {
                            return true;
                        }
                    });
        } catch (IOException e) {
            return true;
        }
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
