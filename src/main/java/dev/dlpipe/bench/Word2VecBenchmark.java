package dev.dlpipe.bench;

import dev.dlpipe.text.PackedTokens;
import dev.dlpipe.text.WordEmbeddings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.models.word2vec.Word2Vec;
import org.deeplearning4j.text.sentenceiterator.CollectionSentenceIterator;
import org.deeplearning4j.text.tokenization.tokenizerfactory.DefaultTokenizerFactory;

/**
 * {@code ./run bench word2vec}: Spark MLlib's Word2Vec (what train uses) against DL4J's on the same generated
 * sentences with the same settings (skip-gram, hierarchical softmax, the same vector size, window and passes): time,
 * and how often each puts a planted synonym among a word's 10 nearest neighbours.
 */
public final class Word2VecBenchmark {

    static final int PAIRS = 50;
    static final int FILLER_WORDS = 5000;

    private Word2VecBenchmark() {
    }

    /**
     * {@code sentences} token lists: 1 in 4 is about one of {@link #PAIRS} topics, drawing 8 words from the topic's
     * 20 and one of its two synonyms ("syn{i}a" or "syn{i}b", never both); the rest are 9 Zipf-distributed filler
     * words. The synonyms therefore share contexts and nothing else.
     */
    static List<List<String>> corpus(long sentences, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] zipf = new double[FILLER_WORDS];
        double total = 0;
        for (int i = 0; i < FILLER_WORDS; i++) {
            total += 1.0 / (i + 1);
            zipf[i] = total;
        }
        List<List<String>> out = new ArrayList<>();
        for (long s = 0; s < sentences; s++) {
            List<String> words = new ArrayList<>(9);
            if (s % 4 == 0) {
                int topic = rnd.nextInt(PAIRS);
                for (int k = 0; k < 8; k++) {
                    words.add("t" + topic + "c" + rnd.nextInt(20));
                }
                words.add(rnd.nextInt(words.size() + 1), "syn" + topic + (rnd.nextBoolean() ? "a" : "b"));
            } else {
                for (int k = 0; k < 9; k++) {
                    double u = rnd.nextDouble() * total;
                    int lo = java.util.Arrays.binarySearch(zipf, u);
                    words.add("w" + (lo >= 0 ? lo : -lo - 1));
                }
            }
            out.add(words);
        }
        return out;
    }

    public static Map<String, Object> run(SparkSession spark, long sentences, int size, int window, int iterations,
                                          long seed) {
        List<List<String>> corpus = corpus(sentences, seed);
        List<Row> rows = new ArrayList<>(corpus.size());
        for (List<String> s : corpus) {
            rows.add(RowFactory.create(0.0, s.toArray(new String[0])));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sentences", sentences);
        out.put("tokens", corpus.stream().mapToLong(List::size).sum());
        out.put("settings", Map.of("vector_size", size, "window", window, "passes", iterations,
                "algorithm", "skip-gram, hierarchical softmax, min count 1"));
        for (int partitions : new int[] {1, 2}) {
            Dataset<Row> df = spark.createDataFrame(rows, PackedTokens.SCHEMA).repartition(2)
                    .persist(StorageLevel.MEMORY_ONLY());
            df.count();
            long t0 = System.nanoTime();
            Map<String, float[]> v = WordEmbeddings.word2vecByToken(df, size, window, iterations, seed, partitions);
            double seconds = (System.nanoTime() - t0) / 1e9;
            df.unpersist();
            out.put("spark_mllib_" + partitions + "_partition" + (partitions > 1 ? "s" : ""),
                    result(seconds, v, sentences));
        }
        long t0 = System.nanoTime();
        Map<String, float[]> v = dl4j(corpus, size, window, iterations, seed);
        out.put("dl4j_2_workers", result((System.nanoTime() - t0) / 1e9, v, sentences));
        return out;
    }

    /** DL4J's Word2Vec on token lists (joined with spaces; tokens have none), skip-gram with hierarchical softmax. */
    static Map<String, float[]> dl4j(List<List<String>> sentences, int size, int window, int iterations, long seed) {
        Collection<String> lines = sentences.stream().filter(s -> !s.isEmpty()).map(s -> String.join(" ", s)).toList();
        Word2Vec w2v = new Word2Vec.Builder().layerSize(size).windowSize(window).epochs(iterations).iterations(1)
                .minWordFrequency(1).seed(seed).workers(2).useHierarchicSoftmax(true).negativeSample(0)
                .learningRate(0.025).iterate(new CollectionSentenceIterator(lines))
                .tokenizerFactory(new DefaultTokenizerFactory()).build();
        w2v.fit();
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String word : w2v.getVocab().words()) {
            out.put(word, WordEmbeddings.toFloats(w2v.getWordVector(word)));
        }
        return out;
    }

    /**
     * Time, and where syn{i}b ranks among syn{i}a's neighbours by cosine (1 = nearest) over the whole vocabulary: a
     * topic's 20 context words share its contexts too, so ranks up to about 21 are what the corpus can separate.
     */
    private static Map<String, Object> result(double seconds, Map<String, float[]> vectors, long sentences) {
        int found = 0;
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            float[] a = vectors.get("syn" + i + "a");
            String target = "syn" + i + "b";
            if (a == null || !vectors.containsKey(target)) {
                continue;
            }
            double own = WordEmbeddings.cosine(a, vectors.get(target));
            int closer = 0;
            for (Map.Entry<String, float[]> e : vectors.entrySet()) {
                if (!e.getKey().equals(target) && !e.getKey().equals("syn" + i + "a")
                        && WordEmbeddings.cosine(a, e.getValue()) > own) {
                    closer++;
                }
            }
            found += closer < 10 ? 1 : 0;
            ranks.add(closer + 1);
        }
        java.util.Collections.sort(ranks);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Math.round(seconds * 10) / 10.0);
        m.put("sentences_per_second", Math.round(sentences / seconds));
        m.put("synonym_in_top10", found + "/" + PAIRS);
        m.put("synonym_median_rank", ranks.isEmpty() ? null : ranks.get(ranks.size() / 2));
        m.put("vocabulary", vectors.size());
        return m;
    }
}
