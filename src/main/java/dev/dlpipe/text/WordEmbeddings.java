package dev.dlpipe.text;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.feature.Word2Vec;
import org.apache.spark.ml.feature.Word2VecModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Initial rows of a text network's embedding table (vocabulary x size): Word2Vec fitted by Spark MLlib on the
 * training split's tokens, or vectors read from a GloVe-format text file. Tokens neither covers keep the network's
 * random initialization. The weights stay trainable; the model fine-tunes them with the rest.
 */
public final class WordEmbeddings {

    /** Rows to write into the table: id to vector; and how the vectors were made, for the report. */
    public record Table(Map<Integer, float[]> rows, Map<String, Object> report) {
    }

    private WordEmbeddings() {
    }

    /**
     * Skip-gram Word2Vec (Spark MLlib) over {@code tokens} (a column of token-id strings, the training split). One
     * partition: MLlib averages the vectors of separately trained partitions, which its own documentation warns
     * costs accuracy; the time this takes is in docs/benchmarks.md beside DL4J's Word2Vec.
     */
    public static Table word2vec(Dataset<Row> tokens, int size, int window, int iterations, long seed) {
        long start = System.nanoTime();
        Map<Integer, float[]> rows = new LinkedHashMap<>();
        word2vecByToken(tokens, size, window, iterations, seed, 1)
                .forEach((id, v) -> rows.put(Integer.parseInt(id), v));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("source", "word2vec (Spark MLlib, skip-gram, training split)");
        report.put("tokens_with_vectors", rows.size());
        report.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        return new Table(rows, report);
    }

    /**
     * MLlib's Word2Vec (skip-gram, hierarchical softmax, minimum count 1) on a column {@code tokens} of string
     * arrays, trained in {@code partitions} partitions: token to vector.
     */
    public static Map<String, float[]> word2vecByToken(Dataset<Row> tokens, int size, int window, int iterations,
                                                       long seed, int partitions) {
        Word2VecModel model = new Word2Vec().setInputCol("tokens").setVectorSize(size).setWindowSize(window)
                .setMaxIter(iterations).setMinCount(1).setNumPartitions(partitions).setSeed(seed).fit(tokens);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Row r : model.getVectors().collectAsList()) {
            out.put(r.getString(0), toFloats(((Vector) r.get(1)).toArray()));
        }
        return out;
    }

    /** A vector as float32, the embedding table's type. */
    public static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /**
     * The one check of {@code train.text.glove-file}, made by train's preflight (with the key's origin) and again
     * when the file is read: set, and an existing file.
     */
    public static void requireGloveFile(String file, String origin) {
        if (file.isEmpty() || !Fs.exists(file)) {
            throw new UserError("config key 'train.text.glove-file'" + (origin == null ? "" : " (" + origin + ")")
                    + ": " + (file.isEmpty() ? "empty, but train.text.embeddings is glove" : file + " does not exist"));
        }
    }

    /** Vectors from a GloVe text file (token, then {@code size} numbers, space-separated), for the vocabulary's tokens. */
    public static Table glove(String file, Vocabulary vocabulary, int size) {
        requireGloveFile(file, null);
        Map<Integer, float[]> rows = new LinkedHashMap<>();
        long lines = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Fs.open(file), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines++;
                String[] parts = line.trim().split(" ");
                if (parts.length < 2) {
                    continue;
                }
                if (lines == 1 && parts.length == 2) {
                    continue; // word2vec's text format starts with "count size"
                }
                if (parts.length - 1 != size) {
                    throw new UserError("train.text.glove-file " + file + " line " + lines + " has " + (parts.length - 1)
                            + " values, but train.text.embedding-size is " + size);
                }
                int id = vocabulary.id(parts[0]);
                if (id == Vocabulary.OOV && !Vocabulary.OOV_TOKEN.equals(parts[0]) || rows.containsKey(id)) {
                    continue;
                }
                float[] v = new float[size];
                for (int i = 0; i < size; i++) {
                    v[i] = Float.parseFloat(parts[i + 1]);
                }
                rows.put(id, v);
            }
        } catch (NumberFormatException e) {
            throw new UserError("train.text.glove-file " + file + " line " + lines + ": not a number (" + e.getMessage()
                    + ")");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("source", "glove file " + file);
        report.put("file_lines", lines);
        report.put("tokens_with_vectors", rows.size());
        report.put("vocabulary_coverage", Math.round(rows.size() * 10000.0 / vocabulary.size()) / 10000.0);
        return new Table(rows, report);
    }

    /** Writes the rows into the network's embedding layer (layer 0, parameter W: vocabulary x size). */
    public static void apply(Table table, Model net) {
        INDArray w = embeddingTable(net);
        for (Map.Entry<Integer, float[]> e : table.rows().entrySet()) {
            if (e.getKey() >= 0 && e.getKey() < w.rows()) {
                w.putRow(e.getKey(), org.nd4j.linalg.factory.Nd4j.createFromArray(e.getValue()).castTo(w.dataType()));
            }
        }
    }

    /** The embedding table of a text network (a view: writes change the network). */
    public static INDArray embeddingTable(Model net) {
        org.deeplearning4j.nn.conf.layers.Layer first = net instanceof MultiLayerNetwork m
                ? m.getLayer(0).conf().getLayer() : null;
        if (first instanceof org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer z) {
            first = z.getUnderlying();
        }
        if (!(first instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer)) {
            throw new IllegalArgumentException("not a text network: its first layer is not an embedding table");
        }
        return ((MultiLayerNetwork) net).getLayer(0).getParam("W");
    }

    /** Cosine similarity of two rows of a table (tests and the nearest-neighbour check use it). */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * (double) b[i];
            na += a[i] * (double) a[i];
            nb += b[i] * (double) b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
