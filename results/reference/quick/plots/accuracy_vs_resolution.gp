# tinydet plot: Accuracy vs input resolution (gnuplot script written by `tinydet plot`)
set title "Accuracy vs input resolution" font ",14"
set grid lc rgb "#dddddd"
set key outside right top box opaque font ",10"
set datafile missing "nan"
set xlabel "input resolution (pixels, square)"
set ylabel "centroid F1 / mAP@0.5"
set yrange [0:1.05]
set terminal pngcairo size 1100,650 noenhanced font "DejaVu Sans,11"
set output "accuracy_vs_resolution.png"
plot "accuracy_vs_resolution_0.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "fomo float", \
     "accuracy_vs_resolution_1.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "fomo int8", \
     "accuracy_vs_resolution_2.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "ssdlite_mobilenetv2 float", \
     "accuracy_vs_resolution_3.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "ssdlite_mobilenetv2 int8", \
     "accuracy_vs_resolution_4.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "tinyissimo_yolo float", \
     "accuracy_vs_resolution_5.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "tinyissimo_yolo int8"
set terminal svg size 1100,650 dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
set output "accuracy_vs_resolution.svg"
replot
unset output
