# tinydet plot: Tensor arena peak vs resolution (int8) (gnuplot script written by `tinydet plot`)
set title "Tensor arena peak vs resolution (int8)" font ",14"
set grid lc rgb "#dddddd"
set key outside right top box opaque font ",10"
set datafile missing "nan"
set xlabel "input resolution (pixels, square)"
set ylabel "planned arena peak (KiB)"
set logscale y
set terminal pngcairo size 1100,650 noenhanced font "DejaVu Sans,11"
set output "arena_vs_resolution.png"
plot "arena_vs_resolution_0.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "fomo (layer)", \
     "arena_vs_resolution_1.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "fomo (patch)", \
     "arena_vs_resolution_2.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "ssdlite_mobilenetv2 (layer)", \
     "arena_vs_resolution_3.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "ssdlite_mobilenetv2 (patch)", \
     "arena_vs_resolution_4.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "tinyissimo_yolo (layer)", \
     "arena_vs_resolution_5.dat" using 1:2 with linespoints lw 2 pointsize 1.3 title "tinyissimo_yolo (patch)", \
     256 with lines lw 2 dt 3 lc rgb "#cc0000" title "256 KB SRAM", \
     512 with lines lw 2 dt 3 lc rgb "#0000cc" title "512 KB SRAM"
set terminal svg size 1100,650 dynamic noenhanced font "DejaVu Sans,11" background rgb "white"
set output "arena_vs_resolution.svg"
replot
unset output
