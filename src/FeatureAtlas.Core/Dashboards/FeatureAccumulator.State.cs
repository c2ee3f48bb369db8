namespace FeatureAtlas.Core.Dashboards;

public sealed partial class FeatureAccumulator
{
    /// <summary>An admitted activation: value, where it is, its sampling key, and its window's activations.</summary>
    private readonly record struct Entry(float Value, int Window, int Position, ulong Key, WindowActivations Vector)
    {
        /// <summary>Dashboard order: higher value first, then lower (window, position).</summary>
        public bool IsBetterThan(Entry other) => IsBetter(Value, Window, Position, other);

        public static bool IsBetter(float value, int window, int position, Entry other) =>
            value > other.Value || (value == other.Value && (window < other.Window || (window == other.Window && position < other.Position)));
    }

    /// <summary>One feature's state; allocated at its first activation, so dead features cost nothing.</summary>
    private sealed partial class FeatureState
    {
        private readonly int _samplesPerStratum;

        public FeatureState(DashboardOptions options)
        {
            Top = new Entry[options.TopExamples];
            _samplesPerStratum = options.ExamplesPerInterval;
            Samples = new Entry[SampleStrata * _samplesPerStratum];
            SampleCounts = new int[SampleStrata];
            Fine = new long[FineBins];
            Exponent = int.MinValue;
        }

        public long Count;
        public float Max;
        public float Min = float.MaxValue;

        /// <summary>T = 2^Exponent bounds every value seen; int.MinValue before the first.</summary>
        public int Exponent;

        public readonly long[] Fine;
        public readonly Entry[] Top;
        public int TopCount;
        public readonly Entry[] Samples;      // [strata][s], each stratum sorted by key
        public readonly int[] SampleCounts;   // [strata]

        public int SamplesPerStratum => _samplesPerStratum;

        public void Observe(float value)
        {
            Count++;
            if (value > Max) Max = value;
            if (value < Min) Min = value;
            var needed = CeilingLog2(value);
            if (Exponent == int.MinValue) Exponent = needed;
            while (needed > Exponent) Double();
            Fine[Bin(value, Exponent, FineBins)]++;
        }

        public int Stratum(float value) => Bin(value, Exponent, SampleStrata);

        public bool AdmitsTop(float value, int window, int position) =>
            TopCount < Top.Length || Entry.IsBetter(value, window, position, Top[TopCount - 1]);

        public void InsertTop(Entry entry)
        {
            var i = Math.Min(TopCount, Top.Length - 1);
            while (i > 0 && entry.IsBetterThan(Top[i - 1]))
            {
                Top[i] = Top[i - 1];
                i--;
            }
            Top[i] = entry;
            if (TopCount < Top.Length) TopCount++;
        }

        public bool AdmitsSample(int stratum, ulong key) =>
            SampleCounts[stratum] < _samplesPerStratum || key < Samples[(stratum + 1) * _samplesPerStratum - 1].Key;

        public void InsertSample(int stratum, Entry entry)
        {
            var baseIndex = stratum * _samplesPerStratum;
            var count = SampleCounts[stratum];
            var i = Math.Min(count, _samplesPerStratum - 1);
            while (i > 0 && entry.Key < Samples[baseIndex + i - 1].Key)
            {
                Samples[baseIndex + i] = Samples[baseIndex + i - 1];
                i--;
            }
            Samples[baseIndex + i] = entry;
            if (count < _samplesPerStratum) SampleCounts[stratum] = count + 1;
        }

        /// <summary>T doubles: bins 2j and 2j+1 become bin j, exactly (a value's bin under 2T is half its bin under T).</summary>
        public void Double()
        {
            for (var j = 0; j < FineBins / 2; j++) Fine[j] = Fine[2 * j] + Fine[2 * j + 1];
            Array.Clear(Fine, FineBins / 2, FineBins / 2);

            var s = _samplesPerStratum;
            var merged = new List<Entry>(2 * s);
            for (var j = 0; j < SampleStrata / 2; j++)
            {
                merged.Clear();
                for (var half = 0; half < 2; half++)
                {
                    var from = 2 * j + half;
                    for (var k = 0; k < SampleCounts[from]; k++) merged.Add(Samples[from * s + k]);
                }
                merged.Sort((a, b) => a.Key.CompareTo(b.Key));
                var keep = Math.Min(s, merged.Count);
                for (var k = 0; k < keep; k++) Samples[j * s + k] = merged[k];
                SampleCounts[j] = keep;
            }
            for (var j = SampleStrata / 2; j < SampleStrata; j++) SampleCounts[j] = 0;
            Array.Clear(Samples, SampleStrata / 2 * s, SampleStrata / 2 * s);
            Exponent++;
        }
    }

    /// <summary>The bin of value v ∈ (0, 2^exponent] among <paramref name="bins"/> equal bins: ⌈v·bins/2^e⌉ − 1, exact in double.</summary>
    internal static int Bin(float value, int exponent, int bins) =>
        Math.Clamp((int)Math.Ceiling(Math.ScaleB((double)value * bins, -exponent)) - 1, 0, bins - 1);

    /// <summary>The smallest e with v ≤ 2^e, for v &gt; 0.</summary>
    internal static int CeilingLog2(float value)
    {
        var e = Math.ILogB(value);
        return Math.ScaleB(1.0, e) < value ? e + 1 : e;
    }
}
