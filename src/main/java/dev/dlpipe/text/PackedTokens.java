package dev.dlpipe.text;

import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A split of packed token-id shards as a DataFrame of (label, tokens), tokens being the ids as strings without the
 * padding: what Spark MLlib's Word2Vec and TF-IDF read. Executors load the minibatches themselves through the
 * training loader, so the rows are exactly those the model trains and is evaluated on.
 */
public final class PackedTokens {

    public static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.DoubleType)
            .add("tokens", DataTypes.createArrayType(DataTypes.StringType));

    private PackedTokens() {
    }

    public static Dataset<Row> of(SparkSession spark, ShardIndex split, int numClasses, int partitions) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = jsc.parallelize(split.minibatches(512), partitions).flatMap(ref -> {
            org.nd4j.linalg.dataset.DataSet ds = new ParquetMinibatchLoader(numClasses).load(ref);
            float[][] ids = ds.getFeatures().toFloatMatrix();
            int[] labels = ds.getLabels().argMax(1).toIntVector();
            List<Row> out = new ArrayList<>(ids.length);
            for (int r = 0; r < ids.length; r++) {
                List<String> tokens = new ArrayList<>();
                for (float id : ids[r]) {
                    if (id != Vocabulary.PAD) {
                        tokens.add(Integer.toString((int) id));
                    }
                }
                out.add(RowFactory.create((double) labels[r], tokens.toArray(new String[0])));
            }
            return out.iterator();
        });
        return spark.createDataFrame(rows, SCHEMA);
    }
}
