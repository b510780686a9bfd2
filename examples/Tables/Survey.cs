using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>The income survey's questions, and the bookkeeping of the example: hiding answers, reading keys, modes and error rates.</summary>
internal static class Survey
{
    /// <summary>The 13 questions in the CSV's order after the income, with the ML.NET column name each gets.</summary>
    public static readonly (string Name, string Header)[] Questions =
    [
        ("Sex", "SEX"), ("MaritalStatus", "MARITAL.STATUS"), ("Age", "AGE"), ("Education", "EDUCATION"), ("Occupation", "OCCUPATION"),
        ("YearsInArea", "AREA"), ("DualIncomes", "DUAL.INCOMES"), ("HouseholdSize", "HOUSEHOLD.SIZE"), ("Under18", "UNDER18"),
        ("Householder", "HOUSEHOLDER"), ("HomeType", "HOME.TYPE"), ("EthnicClass", "ETHNIC.CLASS"), ("Language", "LANGUAGE"),
    ];

    /// <summary>A household as text, an empty answer being a missing one.</summary>
    public sealed class Row
    {
        public string Income { get; set; } = "";
        public string Sex { get; set; } = "";
        public string MaritalStatus { get; set; } = "";
        public string Age { get; set; } = "";
        public string Education { get; set; } = "";
        public string Occupation { get; set; } = "";
        public string YearsInArea { get; set; } = "";
        public string DualIncomes { get; set; } = "";
        public string HouseholdSize { get; set; } = "";
        public string Under18 { get; set; } = "";
        public string Householder { get; set; } = "";
        public string HomeType { get; set; } = "";
        public string EthnicClass { get; set; } = "";
        public string Language { get; set; } = "";

        public string[] Answers() =>
            [Sex, MaritalStatus, Age, Education, Occupation, YearsInArea, DualIncomes, HouseholdSize, Under18, Householder, HomeType, EthnicClass, Language];

        public void SetAnswer(int question, string value)
        {
            switch (question)
            {
                case 0: Sex = value; break;
                case 1: MaritalStatus = value; break;
                case 2: Age = value; break;
                case 3: Education = value; break;
                case 4: Occupation = value; break;
                case 5: YearsInArea = value; break;
                case 6: DualIncomes = value; break;
                case 7: HouseholdSize = value; break;
                case 8: Under18 = value; break;
                case 9: Householder = value; break;
                case 10: HomeType = value; break;
                case 11: EthnicClass = value; break;
                case 12: Language = value; break;
                default: throw new ArgumentOutOfRangeException(nameof(question), question, $"The survey has {Questions.Length} questions.");
            }
        }

        public override string ToString()
        {
            var text = new StringBuilder();
            var answers = Answers();
            for (int q = 0; q < answers.Length; q++)
                text.Append(q == 0 ? "" : "; ").Append(Questions[q].Name).Append(' ').Append(answers[q].Length == 0 ? "(missing)" : answers[q]);
            return text.Append("; income ").Append(Income).ToString();
        }
    }

    /// <summary>The rows with each observed answer hidden (emptied) with probability <paramref name="fraction"/>; which were hidden, row by row.</summary>
    public static (IDataView Masked, bool[] Hidden) HideAnswers(MLContext mlContext, IDataView rows, double fraction, int seed)
    {
        var random = new Random(seed);
        var households = mlContext.Data.CreateEnumerable<Row>(rows, reuseRowObject: false).ToArray();
        var hidden = new bool[households.Length * Questions.Length];
        for (int r = 0; r < households.Length; r++)
        {
            var answers = households[r].Answers();
            for (int q = 0; q < answers.Length; q++)
            {
                if (answers[q].Length > 0 && random.NextDouble() < fraction)
                {
                    households[r].SetAnswer(q, "");
                    hidden[r * Questions.Length + q] = true;
                }
            }
        }
        return (mlContext.Data.LoadFromEnumerable(households), hidden);
    }

    /// <summary>
    /// The key of every answer, row by row ([rows × questions]; 0 is missing). A column imputed by the Mae step is a one-slot vector
    /// of the same key type (the step's one-value outputs are vectors, so that the schema is the same after saving).
    /// </summary>
    public static uint[] Keys(IDataView data, IReadOnlyList<string> columns)
    {
        var byColumn = columns.Select(c => data.Schema[c].Type is VectorDataViewType
            ? data.GetColumn<uint[]>(c).Select(v => v[0]).ToArray()
            : data.GetColumn<uint>(c).ToArray()).ToArray();
        int rows = byColumn[0].Length;
        var keys = new uint[rows * columns.Count];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns.Count; c++)
                keys[r * columns.Count + c] = byColumn[c][r];
        return keys;
    }

    /// <summary>Each question's most frequent observed key.</summary>
    public static uint[] Modes(uint[] keys)
    {
        int width = Questions.Length;
        return [.. Enumerable.Range(0, width).Select(c => Enumerable.Range(0, keys.Length / width).Select(r => keys[r * width + c])
            .Where(k => k != 0).GroupBy(k => k).MaxBy(g => g.Count())!.Key)];
    }

    /// <summary>The fraction of hidden answers whose prediction (row by row) differs from the truth.</summary>
    public static double ErrorRate(uint[] predicted, uint[] truth, bool[] hidden)
    {
        int wrong = 0, count = 0;
        for (int i = 0; i < hidden.Length; i++)
        {
            if (!hidden[i])
                continue;
            count++;
            wrong += predicted[i] == truth[i] ? 0 : 1;
        }
        return (double)wrong / count;
    }

    /// <summary>The fraction of hidden answers that differ from their question's mode.</summary>
    public static double ModeErrorRate(uint[] modes, uint[] truth, bool[] hidden) =>
        ErrorRate([.. Enumerable.Range(0, hidden.Length).Select(i => modes[i % Questions.Length])], truth, hidden);
}
