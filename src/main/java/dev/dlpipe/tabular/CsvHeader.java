package dev.dlpipe.tabular;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The column names of a CSV input, from the first line of its first file, without Spark: what the column checks
 * need before a session starts. Quoted names (with commas or doubled quotes inside) are read as RFC 4180 says.
 */
public final class CsvHeader {

    private CsvHeader() {
    }

    public static List<String> of(String input) {
        String file = Fs.firstDataFile(input);
        if (file == null) {
            throw new UserError(input + ": no CSV file in it");
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Fs.open(file), StandardCharsets.UTF_8))) {
            String line = r.readLine();
            if (line == null) {
                throw new UserError(file + ": empty file; a CSV input needs a header line");
            }
            if (line.startsWith("\uFEFF")) { // Excel's byte-order mark
                line = line.substring(1);
            }
            return parse(line);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read its header: " + e.getMessage(), e);
        }
    }

    static List<String> parse(String line) {
        List<String> names = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                names.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        names.add(cell.toString().trim());
        return names;
    }
}
