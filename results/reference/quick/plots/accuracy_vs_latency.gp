# tinydet plot: Accuracy vs latency (one core) (gnuplot script written by `tinydet plot`)
set title "Accuracy vs latency (one core)" font ",14"
set grid lc rgb "#dddddd"
set key outside right top box opaque font ",10"
set datafile missing "nan"
set xlabel "network latency, median (ms)"
set ylabel "centroid F1 / mAP@0.5"
set yrange [0:1.05]
set logscale x
set terminal pngcairo size 1100,650 noenhanced font "DejaVu Sans,11"
set output "accuracy_vs_latency.png"
plot "accuracy_vs_latency_0.dat" using 1:2 with points pointsize 1.6 title "fomo float (layer)", \
     "accuracy_vs_latency_1.dat" using 1:2 with points pointsize 1.6 title "fomo float (patch)", \
     "accuracy_vs_latency_2.dat" using 1:2 with points pointsize 1.6 title "fomo int8 (layer)", \
     "accuracy_vs_latency_3.dat" using 1:2 with points pointsize 1.6 title "fomo int8 (patch)", \
     "accuracy_vs_latency_4.dat" using 1:2 with points pointsize 1.6 title "ssdlite_mobilenetv2 float (layer)", \
     "accuracy_vs_latency_5.dat" using 1:2 with points pointsize 1.6 title "ssdlite_mobilenetv2 float (patch)", \
     "accuracy_vs_latency_6.dat" using 1:2 with points pointsize 1.6 title "ssdlite_mobilenetv2 int8 (layer)", \
     "accuracy_vs_latency_7.dat" using 1:2 with points pointsize 1.6 title "ssdlite_mobilenetv2 int8 (patch)", \
     "accuracy_vs_latency_8.dat" using 1:2 with points pointsize 1.6 title "tinyissimo_yolo float (layer)", \
     "accuracy_vs_latency_9.dat" using 1:2 with points pointsize 1.6 title "tinyissimo_yolo float (patch)", \
     "accuracy_vs_latency_10.dat" using 1:2 with points pointsize 1.6 title "tinyissimo_yolo int8 (layer)", \
     "accuracy_vs_latency_11.dat" using 1:2 with points pointsize 1.6 title "tinyissimo_yolo int8 (patch)", \
     "accuracy_vs_latency_12.dat" using 1:2 with steps lw 2 dt 2 lc rgb "#444444" title "Pareto front"
set terminal svg size 1100,650 dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
set output "accuracy_vs_latency.svg"
replot
unset output
