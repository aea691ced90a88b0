# writes into its working directory, then says who it runs as
echo ok > /srv/state.txt
echo "uid=$(id -u) gid=$(id -g)"
echo "wrote $(ls /srv/state.txt)"
