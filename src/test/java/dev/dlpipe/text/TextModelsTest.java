package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.export.Ort;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ClassWeights;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.TrainSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The text vectorization on Spark, the embeddings, the text networks and their ONNX export. */
class TextModelsTest {

    static final TensorSpec SPEC = new TensorSpec(1, 1, 20, TensorSpec.TOKEN_IDS, 3, 50);

    static TrainSettings settings(String model) {
        return TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=" + model,
                "train.hidden-units=16", "train.hidden-layers=1", "train.text.embedding-size=8",
                "train.text.filters=12")));
    }

    @Test
    void vocabularyIsFittedOnTheTrainingSplitOnly() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("label_index", DataTypes.IntegerType)
                .add("split", DataTypes.StringType).add("text", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(RowFactory.create("tr" + i, i % 2, "train", "good cheap 好用 😍 " + (i < 2 ? "rare" : "")));
        }
        rows.add(RowFactory.create("te", 0, "test", "good testonly testonly testonly"));
        rows.add(RowFactory.create("va", 1, "validation", "valonly valonly cheap"));
        TokenSequences.Settings s = new TokenSequences.Settings(new Tokenizer(false), 6, 2, 100);
        Dataset<Row> data = TokenSequences.tokenize(TestSpark.session().createDataFrame(rows, schema), s);
        Vocabulary v = TokenSequences.fitVocabulary(data, s);
        assertEquals(List.of("<pad>", "<unk>", "cheap", "good", "好", "用", "😍", "rare"), v.tokens(),
                "counts from train only: cheap and good 4 each, rare 2; test and validation words absent");
        Map<String, float[]> encoded = new java.util.HashMap<>();
        for (Row r : TokenSequences.encode(data, v, s).collectAsList()) {
            encoded.put(r.getString(0), toFloats(r.getList(3)));
            if (r.getString(0).equals("te")) {
                assertEquals(0, r.getInt(1), "label from label_index");
                assertEquals(4, r.getInt(4), "true token count");
            }
        }
        assertArrayEquals(new float[] {3, 1, 1, 1, 0, 0}, encoded.get("te"));
        assertArrayEquals(new float[] {1, 1, 2, 0, 0, 0}, encoded.get("va"));
        Map<String, Object> coverage = TokenSequences.coverage(TokenSequences.encode(data, v, s), 6);
        assertEquals(0.75, ((Map<?, ?>) coverage.get("test")).get("unknown_token_share"));
        assertEquals(0.0, ((Map<?, ?>) coverage.get("train")).get("unknown_token_share"));
    }

    private static float[] toFloats(List<Float> list) {
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = list.get(i);
        }
        return f;
    }

    /**
     * A generated corpus where "excellent" and "superb" (never together in a sentence) share their contexts, and
     * "broken" has others: Spark MLlib's Word2Vec puts the planted synonyms closer than any unrelated pair.
     */
    @Test
    void word2vecPutsPlantedSynonymsCloserThanUnrelatedWords() {
        String[] positiveContext = {"the", "battery", "life", "is", "really", "and", "screen", "looks"};
        String[] negativeContext = {"arrived", "cracked", "seller", "refund", "box", "was", "totally", "useless"};
        SplittableRandom rnd = new SplittableRandom(7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String[] context = i % 3 == 2 ? negativeContext : positiveContext;
            String planted = i % 3 == 0 ? "excellent" : i % 3 == 1 ? "superb" : "broken";
            List<String> sentence = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                sentence.add(context[rnd.nextInt(context.length)]);
            }
            sentence.add(rnd.nextInt(sentence.size() + 1), planted);
            rows.add(RowFactory.create(0.0, sentence.toArray(new String[0])));
        }
        Dataset<Row> tokens = TestSpark.session().createDataFrame(rows, PackedTokens.SCHEMA);
        Map<String, float[]> vectors = WordEmbeddings.word2vecByToken(tokens, 16, 3, 3, 1, 1);
        double synonyms = WordEmbeddings.cosine(vectors.get("excellent"), vectors.get("superb"));
        double unrelated = WordEmbeddings.cosine(vectors.get("excellent"), vectors.get("broken"));
        assertTrue(synonyms > unrelated + 0.2, "cos(excellent, superb) " + synonyms + " vs cos(excellent, broken) "
                + unrelated);
        for (String other : negativeContext) {
            assertTrue(synonyms > WordEmbeddings.cosine(vectors.get("excellent"), vectors.get(other)), other);
        }
    }

    @Test
    void textNetworksInOnnxRuntimeFromTokenIdsEqualDl4j() {
        Nd4j.getRandom().setSeed(20261123);
        SplittableRandom rnd = new SplittableRandom(3);
        float[][] ids = new float[64][SPEC.featureSize()];
        for (float[] row : ids) {
            int length = 1 + rnd.nextInt(row.length); // real lengths, the rest padding
            for (int i = 0; i < length; i++) {
                row[i] = 1 + rnd.nextInt(SPEC.vocabularySize() - 1);
            }
        }
        INDArray x = Nd4j.createFromArray(ids);
        for (String model : List.of("text-mean", "text-cnn")) {
            Network net = new Network(ModelFactory.create(settings(model), SPEC));
            // untrained embeddings are tiny (N(0, 1/vocabulary)): spread them so the comparison is not of near-zeros
            WordEmbeddings.embeddingTable(net.multiLayer()).muli(20);
            float[][] dl4j = net.output(x).toFloatMatrix();
            byte[] fp32 = OnnxExporter.export(net, SPEC, false, Map.of(), "test");
            float[][] onnx = Ort.run(fp32, x);
            double maxDiff = 0;
            for (int i = 0; i < dl4j.length; i++) {
                for (int c = 0; c < dl4j[i].length; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(dl4j[i][c] - onnx[i][c]));
                }
            }
            assertTrue(maxDiff < 1e-5, model + " FP32 max abs diff " + maxDiff);

            Map<String, Float> ranges = dev.dlpipe.compress.ActivationCalibration.inputRanges(net, x);
            float[][] int8 = Ort.run(OnnxExporter.export(net, SPEC, true, ranges, Map.of(), "test"), x);
            int agree = 0;
            for (int i = 0; i < dl4j.length; i++) {
                agree += Ort.argMax(dl4j[i]) == Ort.argMax(int8[i]) ? 1 : 0;
            }
            assertTrue(agree >= 58, model + " int8 (embedding rows, weights and activations) top-1 agreement "
                    + agree + "/64");
        }
    }

    /** Both text networks learn which of three words a text holds, and the padding embeds to zero. */
    @Test
    void textNetworksLearnAndIgnorePadding() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[][] ids = new float[96][SPEC.featureSize()];
        float[][] labels = new float[96][SPEC.numClasses()];
        for (int r = 0; r < ids.length; r++) {
            int length = 3 + rnd.nextInt(10);
            for (int i = 0; i < length; i++) {
                ids[r][i] = 4 + rnd.nextInt(40);
            }
            int label = rnd.nextInt(3);
            ids[r][rnd.nextInt(length)] = 1 + label; // the word that decides the class
            labels[r][label] = 1;
        }
        org.nd4j.linalg.dataset.DataSet data = new org.nd4j.linalg.dataset.DataSet(Nd4j.createFromArray(ids),
                Nd4j.createFromArray(labels));
        for (String model : List.of("text-mean", "text-cnn")) {
            MultiLayerNetwork net = (MultiLayerNetwork) ModelFactory.create(TrainSettings.from(ConfigLoader.load(
                    List.of(), List.of("train.model=" + model, "train.hidden-units=16", "train.hidden-layers=1",
                            "train.text.embedding-size=8", "train.text.filters=12", "train.learning-rate=0.02"))), SPEC);
            double before = net.score(data);
            for (int i = 0; i < 100; i++) {
                net.fit(data);
            }
            assertTrue(net.score(data) < before * 0.5, model + ": loss " + before + " -> " + net.score(data));
            INDArray one = Nd4j.createFromArray(new float[][] {ids[0]});
            org.deeplearning4j.nn.layers.recurrent.MaskZeroLayer first =
                    (org.deeplearning4j.nn.layers.recurrent.MaskZeroLayer) net.getLayer(0);
            INDArray embedded = net.feedForward(one, false).get(1);
            int length = 0;
            while (length < ids[0].length && ids[0][length] != 0) {
                length++;
            }
            assertEquals(0.0, embedded.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(length, ids[0].length)).sumNumber().doubleValue(),
                    model + ": embeddings of the padding are zero");
            assertNotNull(first.getUnderlying());
        }
    }

    @Test
    void gloveFileRowsGoToTheirTokensIdsAndAWrongSizeIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Vocabulary v = Vocabulary.of(List.of("<pad>", "<unk>", "good", "好"));
        java.nio.file.Path file = dir.resolve("vectors.txt");
        java.nio.file.Files.writeString(file, "3 2\ngood 0.5 -1\nunseen 9 9\n好 1e-1 2\n");
        WordEmbeddings.Table t = WordEmbeddings.glove(file.toString(), v, 2);
        assertEquals(java.util.Set.of(2, 3), t.rows().keySet(), "the word2vec header line and unseen words skipped");
        assertArrayEquals(new float[] {0.5f, -1f}, t.rows().get(2));
        assertEquals(0.5, t.report().get("vocabulary_coverage"));
        MultiLayerNetwork net = (MultiLayerNetwork) ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=text-mean", "train.text.embedding-size=2"))), new TensorSpec(1, 1, 5,
                TensorSpec.TOKEN_IDS, 2, 4));
        WordEmbeddings.apply(t, net);
        assertArrayEquals(new float[] {0.1f, 2f}, WordEmbeddings.embeddingTable(net).getRow(3).toFloatVector());
        dev.dlpipe.UserError e = assertThrows(dev.dlpipe.UserError.class,
                () -> WordEmbeddings.glove(file.toString(), v, 3));
        assertTrue(e.getMessage().contains("line 2 has 2 values, but train.text.embedding-size is 3"), e.getMessage());
        assertThrows(dev.dlpipe.UserError.class, () -> WordEmbeddings.glove(dir.resolve("none.txt").toString(), v, 2));
    }

    @Test
    void aPlannedTextPipelineChecksItsModelAndEmbeddingFileBeforeSpark() {
        dev.dlpipe.train.TrainStage train = new dev.dlpipe.train.TrainStage();
        java.util.ArrayList<String> planned = new java.util.ArrayList<>();
        planned.add(null); // pack has not run yet
        dev.dlpipe.UserError model = assertThrows(dev.dlpipe.UserError.class, () -> train.preflight(
                ConfigLoader.load(List.of(), List.of("pipeline.data-kind=text", "train.model=lenet")), planned));
        assertTrue(model.getMessage().contains("use text-mean or text-cnn"), model.getMessage());
        dev.dlpipe.UserError glove = assertThrows(dev.dlpipe.UserError.class, () -> train.preflight(
                ConfigLoader.load(List.of(), List.of("pipeline.data-kind=text", "train.model=text-cnn",
                        "train.text.embeddings=glove", "train.text.glove-file=/nonexistent/glove.txt")), planned));
        assertTrue(glove.getMessage().startsWith("config key 'train.text.glove-file'")
                && glove.getMessage().contains("/nonexistent/glove.txt does not exist"), glove.getMessage());
        train.preflight(ConfigLoader.load(List.of(), List.of("pipeline.data-kind=text", "train.model=text-mean")),
                planned);
    }

    @Test
    void textModelsRefuseNumbersAndImageModelsRefuseTokenIds() {
        TensorSpec image = new TensorSpec(1, 28, 28, "unit", 10);
        assertTrue(assertThrows(dev.dlpipe.UserError.class, () -> dev.dlpipe.train.ModelKind.TEXT_CNN
                .requireFits(image, "pack/train")).getMessage().contains("reads token ids"));
        assertTrue(assertThrows(dev.dlpipe.UserError.class, () -> dev.dlpipe.train.ModelKind.LENET
                .requireFits(SPEC, "pack/train")).getMessage().contains("use text-mean or text-cnn"));
    }

    @Test
    void balancedClassWeightsAsScikitLearnComputesThem() {
        assertArrayEquals(new double[] {100 / (2.0 * 90), 100 / (2.0 * 10)}, ClassWeights.balanced(new long[] {90, 10}),
                1e-12);
        assertArrayEquals(new double[] {1.0, 0.0, 1.0}, ClassWeights.balanced(new long[] {5, 0, 5}), 1e-12);
        MultiLayerNetwork net = (MultiLayerNetwork) ModelFactory.create(settings("text-mean"), SPEC);
        ClassWeights.apply(net, new double[] {0.5, 1, 4});
        LossMCXENT loss = (LossMCXENT) ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) net.getOutputLayer().conf()
                .getLayer()).getLossFn();
        assertArrayEquals(new float[] {0.5f, 1, 4}, loss.getWeights().toFloatVector());
        // the weights survive the configuration's JSON, which is how executors and model files get it
        MultiLayerNetwork copy = new MultiLayerNetwork(org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(
                net.getLayerWiseConfigurations().toJson()));
        assertArrayEquals(new float[] {0.5f, 1, 4}, ((LossMCXENT) ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer)
                copy.getLayerWiseConfigurations().getConf(copy.getLayerWiseConfigurations().getConfs().size() - 1)
                        .getLayer()).getLossFn()).getWeights().toFloatVector());
        assertEquals(DataType.FLOAT, loss.getWeights().dataType());
    }
}
