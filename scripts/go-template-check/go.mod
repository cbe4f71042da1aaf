module ownchat/gotemplatecheck

go 1.19
