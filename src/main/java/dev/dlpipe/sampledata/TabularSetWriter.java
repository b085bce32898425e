package dev.dlpipe.sampledata;

import dev.dlpipe.core.Fs;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes the tabular sample set as CSV: a customer-churn table with numeric and categorical columns. The label
 * {@code churned} follows a logistic model of tenure, spend, support calls and plan, so it is learnable. About 5%
 * of each column's values are empty (null), about 1% are outliers (age 999, income 1e8), one column is null in
 * every row of some blocks, and about 0.5% of lines are malformed (wrong column count, unparseable numbers).
 */
public final class TabularSetWriter {

    public static final String HEADER =
            "id,age,income,city,plan,tenure_months,monthly_spend,support_calls,churned";
    static final String[] CITIES = {"Berlin", "Paris", "Москва", "北京", "São Paulo", "New York", "Tokyo", "Lagos"};
    static final String[] PLANS = {"basic", "standard", "premium"};

    private TabularSetWriter() {
    }

    public static long write(String file, long rows, long seed) {
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Fs.create(file), StandardCharsets.UTF_8))) {
            w.write(HEADER);
            w.write('\n');
            for (long i = 0; i < rows; i++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, i));
                w.write(row(i, rnd));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return rows;
    }

    private static String row(long i, SplittableRandom rnd) {
        String id = String.format("cus-%08d", i);
        double form = rnd.nextDouble();
        if (form < 0.003) {
            return id + ",34,51000.0,Paris"; // too few columns
        }
        if (form < 0.005) {
            return id + ",thirty,51000.0,Paris,basic,12,40.5,1,0,extra"; // too many columns, bad number
        }
        int age = 18 + rnd.nextInt(60);
        double income = Math.max(8000, 30000 + 15000 * Seeds.gaussian(rnd) + age * 400);
        int plan = rnd.nextInt(PLANS.length);
        int tenure = rnd.nextInt(72);
        double spend = 20 + plan * 25 + 10 * Seeds.gaussian(rnd);
        int calls = (int) Math.max(0, Math.round(1.5 + 1.5 * Seeds.gaussian(rnd)));
        double z = 1.2 - 0.05 * tenure + 0.6 * calls - 0.5 * plan + 0.01 * spend;
        int churned = rnd.nextDouble() < 1 / (1 + StrictMath.exp(-z)) ? 1 : 0;

        String ageField = String.valueOf(age);
        String incomeField = String.format(Locale.ROOT, "%.2f", income);
        if (rnd.nextDouble() < 0.01) {
            ageField = rnd.nextBoolean() ? "999" : "-5";
        }
        if (rnd.nextDouble() < 0.01) {
            incomeField = "100000000.00";
        }
        String city = CITIES[rnd.nextInt(CITIES.length)];
        String[] fields = {id, ageField, incomeField, city.contains(" ") ? "\"" + city + "\"" : city, PLANS[plan],
            String.valueOf(tenure), String.format(Locale.ROOT, "%.2f", spend), String.valueOf(calls),
            String.valueOf(churned)};
        for (int c = 1; c < fields.length - 1; c++) {
            if (rnd.nextDouble() < 0.05) {
                fields[c] = "";
            }
        }
        if ((i / 500) % 7 == 3) {
            fields[7] = ""; // support_calls missing for whole blocks of rows, as from a broken upstream feed
        }
        return String.join(",", fields);
    }
}
