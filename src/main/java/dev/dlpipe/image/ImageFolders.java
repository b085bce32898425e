package dev.dlpipe.image;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A class-folder tree as PyTorch's ImageFolder and Keras' image_dataset_from_directory read it: {@code
 * root/<label>/<file>}, or with the user's split on top, {@code root/<split>/<label>/<file>} (split directories
 * train, validation, test or their synonyms). Labels are the folder names, indexed in sorted order as ImageFolder
 * does. Each file becomes one image row (id = its path below the root, format = its extension); a file at another
 * depth gets no label and goes to quarantine with its path, never silently dropped. Hidden files (".", "_") are
 * not data.
 */
public final class ImageFolders {

    /** File endings taken as images when deciding whether a directory is a class-folder tree. */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp", "gif");

    /** The column holding each file's split folder, present only in the split/label/file layout. */
    public static final String SPLIT = "split";

    private ImageFolders() {
    }

    /** A directory holding image files (at any depth) and no Parquet: read as folders, not as an image table. */
    public static boolean isFolderTree(String input) {
        String first = Fs.firstDataFile(input);
        if (first == null || Fs.isFile(input)) {
            return false;
        }
        String lower = first.toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(e -> lower.endsWith("." + e));
    }

    /** Whether every top-level directory names a split (then the tree is split/label/file). */
    static boolean splitLayout(String root) {
        Path p = Fs.path(root);
        try {
            FileSystem fs = Fs.fs(p);
            List<String> dirs = new ArrayList<>();
            for (FileStatus st : fs.listStatus(p)) {
                String n = st.getPath().getName();
                if (st.isDirectory() && !n.startsWith(".") && !n.startsWith("_")) {
                    dirs.add(n.toLowerCase(Locale.ROOT));
                }
            }
            return !dirs.isEmpty() && dirs.stream().allMatch(Splits.SYNONYMS::containsKey);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /**
     * The tree as image rows: id, label (the folder name, null at a wrong depth), format, data, height, width,
     * channels (null: read from the encoded header), and in the split layout {@link #SPLIT} (the split folder).
     */
    public static Dataset<Row> read(SparkSession spark, String root) {
        String base = Fs.qualify(root).replaceAll("/+$", "") + "/";
        boolean split = splitLayout(root);
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(root);
        if (files.isEmpty()) {
            throw new UserError(root + ": no image files in it");
        }
        // binaryFile reports paths fully qualified, the same way Fs.qualify spells the root
        Column relative = expr("substring(path, " + (base.length() + 1) + ")");
        Column parts = split(relative, "/");
        int depth = split ? 3 : 2;
        Column rightDepth = size(parts).equalTo(depth);
        return files.select(
                relative.as("id"),
                when(rightDepth, element_at(parts, -2)).as("label"),
                lower(regexp_extract(col("path"), "\\.([^./]+)$", 1)).as("format"),
                col("content").as("data"),
                lit(null).cast("int").as("height"), lit(null).cast("int").as("width"),
                lit(null).cast("int").as("channels"),
                (split ? when(rightDepth, element_at(parts, 1)) : lit(null)).cast("string").as(SPLIT))
                .drop(split ? new String[0] : new String[] {SPLIT});
    }
}
