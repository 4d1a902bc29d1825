# tinydet plot: Flash (int8 weights) vs accuracy (gnuplot script written by `tinydet plot`)
set title "Flash (int8 weights) vs accuracy" font ",14"
set grid lc rgb "#dddddd"
set key outside right top box opaque font ",10"
set datafile missing "nan"
set xlabel "flash: int8 weights + int32 bias + scales (KiB)"
set ylabel "centroid F1 / mAP@0.5"
set yrange [0:1.05]
set logscale x
set terminal pngcairo size 1100,650 noenhanced font "DejaVu Sans,11"
set output "flash_vs_accuracy.png"
plot "flash_vs_accuracy_0.dat" using 1:2 with points pointsize 1.6 title "fomo", \
     "flash_vs_accuracy_1.dat" using 1:2 with points pointsize 1.6 title "ssdlite_mobilenetv2", \
     "flash_vs_accuracy_2.dat" using 1:2 with points pointsize 1.6 title "tinyissimo_yolo"
set terminal svg size 1100,650 dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
set output "flash_vs_accuracy.svg"
replot
unset output
