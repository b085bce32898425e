package dev.dlpipe.core;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * How a label column becomes class indices, the same way for every data kind. Nothing is coerced silently:
 * <ul>
 * <li>whole numbers (an integer column, whole doubles such as 4.0, or strings that all read as integers) are the
 *     class indices; a fraction (4.7, "4.9"), a negative number or one not below {@code pipeline.max-classes} is a
 *     {@code bad_label} with the original value in the detail;</li>
 * <li>a string column in which no value is a whole number holds class names ("disk", "ring"): sorted, numbered
 *     from 0 and recorded in {@code labels.json}, as text clean does; more distinct names than
 *     {@code pipeline.max-classes} is an error. One whole number among them makes it an index column, so a typo
 *     ("yes" among 0s and 1s) is a bad label rather than a new class.</li>
 * </ul>
 * Built-in expressions only, so the plan costs one aggregation over the label column.
 */
public final class Labels {

    public static final String FILE = "labels.json";
    public static final String MAX_CLASSES = "pipeline.max-classes";
    private static final String WHOLE = "^[+-]?[0-9]{1,10}$";

    /**
     * {@code names}: the class names in index order when labels are names; null when they are indices.
     * {@code fractional}: a float/double/decimal column, whose whole values (4.0) are indices too.
     */
    public record Plan(String column, List<String> names, int maxClasses, boolean fractional) {

        /** The label as the user wrote it, as a string (the quarantine keeps it). */
        public Column original() {
            return col(column).cast("string");
        }

        /** The class index, or null for a missing or bad label. */
        public Column index() {
            if (names != null) {
                return array_position(array(names.stream().map(n -> lit(n)).toArray(Column[]::new)),
                        trim(original())).minus(1).cast("int");
            }
            Column v = text().cast("long");
            return when(text().rlike(WHOLE).and(v.geq(0)).and(v.lt(maxClasses)), v.cast("int"));
        }

        /** Why a non-null label is bad ("label='4.9' is not a whole number"), or null. */
        public Column problem() {
            if (names != null) {
                return lit(null).cast("string"); // every name has an index
            }
            Column v = text().cast("long");
            String quoted = column + "='";
            return when(col(column).isNull(), lit(null).cast("string"))
                    .when(not(text().rlike(WHOLE)), concat(lit(quoted), original(), lit("' is not a whole number")))
                    .when(v.lt(0), concat(lit(quoted), original(), lit("' is negative")))
                    .when(v.geq(maxClasses), concat(lit(quoted), original(),
                            lit("' is not below " + MAX_CLASSES + " (" + maxClasses + ")")));
        }

        /**
         * The label as text to check: whole doubles (4.0) as their integer, everything else as written. Only for a
         * fractional column: on a string column Spark would compare "4.9" with floor("4.9") as bigints, 4 = 4.
         */
        private Column text() {
            Column c = col(column);
            if (!fractional) {
                return trim(c.cast("string"));
            }
            return trim(when(c.equalTo(floor(c)).and(not(isnan(c))), c.cast("long").cast("string"))
                    .otherwise(c.cast("string")));
        }

        /** labels.json for class names (nothing for indices). */
        public void writeTo(String dir) {
            if (names != null) {
                Fs.writeString(Fs.child(dir, FILE), Json.write(names));
            }
        }
    }

    private Labels() {
    }

    /** Looks at the label column's type and values once and decides how to read it. */
    public static Plan plan(Dataset<Row> data, String column, Config config) {
        int max = config.integer(MAX_CLASSES);
        DataType type = data.schema().apply(column).dataType();
        boolean fractional = type == DataTypes.DoubleType || type == DataTypes.FloatType || type instanceof DecimalType;
        if (fractional || type == DataTypes.IntegerType || type == DataTypes.LongType || type == DataTypes.ShortType
                || type == DataTypes.ByteType) {
            return new Plan(column, null, max, fractional);
        }
        Column s = trim(col(column).cast("string"));
        if (data.filter(s.rlike(WHOLE)).limit(1).count() > 0 || data.filter(s.isNotNull()).limit(1).count() == 0) {
            return new Plan(column, null, max, false);
        }
        List<String> names = new ArrayList<>();
        for (Row r : data.select(s.as("name")).filter(col("name").isNotNull()).distinct().orderBy("name")
                .limit(max + 1).collectAsList()) {
            names.add(r.getString(0));
        }
        if (names.size() > max) {
            throw new UserError("label column '" + column + "' holds more than " + max + " distinct class names ("
                    + MAX_CLASSES + " = " + max + "); is it really the label?");
        }
        return new Plan(column, List.copyOf(names), max, false);
    }

    /**
     * A classifier needs two classes in its training rows; one class means a wrong label column or a bad split.
     * Checked where a model is built (train), not at clean: clean also prepares new data to score, which may
     * hold a single class.
     */
    public static void requireTwoClasses(Dataset<Row> training, String labelColumn, String where) {
        List<Row> classes = training.select(labelColumn).distinct().limit(2).collectAsList();
        if (classes.size() < 2) {
            throw new UserError(where + ": the training split has " + (classes.isEmpty() ? "no rows"
                    : "a single class (" + classes.get(0).get(0) + ")") + "; a classifier needs at least two");
        }
    }
}
