package dev.dlpipe.core;

import dev.dlpipe.config.Config;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Builds the SparkSession from config; a master set by spark-submit always wins over {@code spark.master}. */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkSession getOrCreate(Config config) {
        SparkConf conf = new SparkConf(); // picks up spark.* system properties set by spark-submit
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.string("spark.master"));
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(config.string("spark.app-name"));
        }
        config.map("spark.conf").forEach((k, v) -> {
            if (!conf.contains(k)) {
                conf.set(k, v);
            }
        });
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        Fs.useConf(spark.sparkContext().hadoopConfiguration());
        return spark;
    }
}
