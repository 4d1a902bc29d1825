set title "Latency breakdown (median, one core)" font ",14"
set grid y lc rgb "#dddddd"
set key outside right top box opaque
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set ylabel "time (ms)"
set xtics rotate by 90 right font ",9"
set bmargin 16
set yrange [0:*]
set terminal pngcairo size 1100,800 noenhanced font "DejaVu Sans,11"
set output "latency_breakdown.png"
plot "latency_breakdown.dat" using 2:xtic(1) title "preprocess", '' using 3 title "network", '' using 4 title "decode + NMS"
set terminal svg size 1100,800 dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
set output "latency_breakdown.svg"
replot
unset output
